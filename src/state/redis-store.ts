import { Redis, type RedisOptions } from "ioredis";
import { encodeOps } from "./encode-ops.ts";
import { encodeReads } from "./encode-reads.ts";
import { loadLua } from "./lua/index.ts";
import type { Op } from "./ops.ts";
import type {
  PublishOutcome,
  PublishRequest,
  ReadOp,
  ReadValue,
  Store,
  Unsubscribe,
} from "./store.ts";

interface ScriptCommands {
  srApplyOps(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  srPublishIfChanged(...keysAndArgs: (string | number)[]): Promise<[number, number]>;
  srReadMany(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown[]>;
}
type ScriptedRedis = Redis & ScriptCommands;
type ScriptedPipeline = ReturnType<Redis["pipeline"]> & {
  srApplyOps(numKeys: number, ...keysAndArgs: (string | number)[]): unknown;
  srReadMany(numKeys: number, ...keysAndArgs: (string | number)[]): unknown;
};

/**
 * Reads above this many go out as one read-many script call instead of one command each:
 * ioredis's cost per command outweighs Redis's own work. A rescore reads ~30 keys; the
 * snapshot's 3 reads as one call too cost 5-9% less service CPU per trackEvent than 3
 * commands (bench/ab.ts, two runs of 5-6).
 */
const READ_SCRIPT_THRESHOLD = 1;

export interface RedisStoreOptions {
  url: string;
  redisOptions?: RedisOptions;
}

/**
 * The production store. Each event's writes run as one Lua script (one round trip,
 * atomic); reads are pipelined. Pub/sub uses one extra connection per process, with
 * channel subscriptions reference-counted so many subscribers of one session share it.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  readonly client: ScriptedRedis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Per channel, what to call once the subscription is restored after a lost connection. */
  private readonly resyncs = new Map<string, Set<() => void>>();

  constructor(opts: RedisStoreOptions) {
    const base: RedisOptions = {
      // Fail a command after a short wait rather than queueing forever while Redis is
      // down: the API turns the error into a retryable one instead of hanging requests.
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
      ...opts.redisOptions,
    };
    this.client = new Redis(opts.url, base) as ScriptedRedis;
    // No ready check on the subscriber connection. ioredis sends its ready check (INFO)
    // only after an async CLIENT SETINFO round, and in that "connect" window it already
    // writes SUBSCRIBE (a command allowed while loading). A subscription made then puts
    // the connection in subscriber mode, INFO fails, ioredis drops the connection and the
    // channel is not resubscribed: that subscriber silently never gets a message. Without
    // the check SUBSCRIBE is always valid, and autoResubscribe restores channels after a
    // reconnect.
    this.sub = new Redis(opts.url, {
      ...base,
      enableAutoPipelining: false,
      enableReadyCheck: false,
    });
    this.client.defineCommand("srApplyOps", { lua: loadLua("apply-ops.lua") });
    this.client.defineCommand("srReadMany", { lua: loadLua("read-many.lua") });
    this.client.defineCommand("srPublishIfChanged", {
      numberOfKeys: 2,
      lua: loadLua("publish-if-changed-2.lua"),
    });
    this.sub.on("message", (channel: string, message: string) => {
      const hs = this.handlers.get(channel);
      if (hs) for (const h of hs) h(message);
    });
    // Connection errors are reported through failed commands and readiness; without a
    // listener ioredis would print every reconnect attempt as an unhandled error.
    this.client.on("error", () => {});
    this.sub.on("error", () => {});
    // After a reconnect (Redis restarted, connection dropped) ioredis resubscribes by itself;
    // messages published while the connection was down are lost, so once SUBSCRIBE is
    // confirmed, subscribers are told to read the current state again.
    let connectedBefore = false;
    this.sub.on("ready", () => {
      if (connectedBefore) void this.resubscribed();
      connectedBefore = true;
    });
  }

  async apply(ops: readonly Op[]): Promise<boolean> {
    if (ops.length === 0) return true;
    const { keys, args } = encodeOps(ops);
    // -1: a guard op found the event applied already, and the script wrote nothing.
    return (await this.client.srApplyOps(keys.length, ...keys, ...args)) !== -1;
  }

  async applyMany(groups: readonly (readonly Op[])[]): Promise<void> {
    const p = this.client.pipeline() as ScriptedPipeline;
    let n = 0;
    for (const ops of groups) {
      if (ops.length === 0) continue;
      const { keys, args } = encodeOps(ops);
      p.srApplyOps(keys.length, ...keys, ...args);
      n++;
    }
    if (n === 0) return;
    const res = await p.exec();
    throwFirst(res);
  }

  async read(reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return this.applyAndRead([], reads);
  }

  async applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    const p = this.client.pipeline() as ScriptedPipeline;
    let offset = 0;
    if (ops.length > 0) {
      const { keys, args } = encodeOps(ops);
      p.srApplyOps(keys.length, ...keys, ...args);
      offset = 1;
    }
    const scripted = reads.length > READ_SCRIPT_THRESHOLD;
    if (scripted) {
      const { keys, args } = encodeReads(reads, emptyRead);
      if (keys.length > 0) p.srReadMany(keys.length, ...keys, ...args);
    } else for (const r of reads) queueRead(p, r);
    if (offset === 0 && reads.length === 0) return [];
    if (p.length === 0) return decodeReads(reads, [], 0);
    const res = await p.exec();
    if (offset === 1) throwFirst(res?.slice(0, 1) ?? null);
    if (!scripted) return decodeReads(reads, res, offset);
    const entry = res?.[offset];
    if (entry?.[0]) throw entry[0];
    return decodeReads(reads, scriptReplies(reads, (entry?.[1] ?? []) as unknown[]), 0);
  }

  async publishIfChanged(req: PublishRequest): Promise<PublishOutcome> {
    const [published, version] = await this.client.srPublishIfChanged(
      req.publishedKey,
      req.channel,
      req.order,
      req.ttlSeconds,
      req.payload?.head ?? "",
      req.payload?.tail ?? "",
      req.versionField,
      req.orderField,
      req.payload ? "p" : "n",
    );
    return { published: published === 1, version: Number(version) };
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe> {
    let hs = this.handlers.get(channel);
    if (!hs) {
      hs = new Set();
      this.handlers.set(channel, hs);
    }
    hs.add(onMessage);
    if (onResync) {
      let rs = this.resyncs.get(channel);
      if (!rs) {
        rs = new Set();
        this.resyncs.set(channel, rs);
      }
      rs.add(onResync);
    }
    try {
      if (hs.size === 1) await this.serial(channel, () => this.sub.subscribe(channel));
      else await this.pending.get(channel);
    } catch (err) {
      // SUBSCRIBE failed (e.g. the connection was down): forget this handler, or it would
      // count as a subscription forever and make the next subscriber of the channel skip
      // SUBSCRIBE, believing the channel subscribed when it is not.
      hs.delete(onMessage);
      if (hs.size === 0 && this.handlers.get(channel) === hs) this.handlers.delete(channel);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const set = this.handlers.get(channel);
      if (!set) return;
      set.delete(onMessage);
      if (onResync) {
        const rs = this.resyncs.get(channel);
        rs?.delete(onResync);
        if (rs?.size === 0) this.resyncs.delete(channel);
      }
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.serial(channel, () => this.sub.unsubscribe(channel)).catch(() => {});
      }
    };
  }

  subscriptionCount(): number {
    return this.handlers.size;
  }

  async deleteKeys(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    // One DEL per key: keys of different slots may not share a command on a cluster.
    const p = this.client.pipeline();
    for (const k of keys) p.del(k);
    const res = await p.exec();
    throwFirst(res);
    return (res ?? []).reduce((n, [, v]) => n + Number(v ?? 0), 0);
  }

  async ping(): Promise<boolean> {
    // Known down (reconnecting): answer at once instead of waiting out the retries.
    if (["reconnecting", "close", "end"].includes(this.client.status)) return false;
    try {
      return (await this.client.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.resyncs.clear();
    await Promise.allSettled([this.client.quit(), this.sub.quit()]);
  }

  /** Confirms every channel on the new connection (SUBSCRIBE is idempotent), then resyncs. */
  private async resubscribed(): Promise<void> {
    const channels = [...this.handlers.keys()];
    if (channels.length === 0) return;
    try {
      await this.sub.subscribe(...channels);
    } catch {
      return; // down again: the next "ready" retries
    }
    for (const ch of channels) {
      for (const r of this.resyncs.get(ch) ?? []) {
        try {
          r();
        } catch {
          // a subscriber's own problem
        }
      }
    }
  }

  /** Keeps SUBSCRIBE/UNSUBSCRIBE of one channel in call order. */
  private serial(channel: string, fn: () => Promise<unknown>): Promise<unknown> {
    const prev = this.pending.get(channel) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.pending.set(channel, next);
    void next
      .finally(() => {
        if (this.pending.get(channel) === next) this.pending.delete(channel);
      })
      .catch(() => {});
    return next;
  }
}

export type PipelineResult = [Error | null, unknown][] | null;

function throwFirst(res: PipelineResult): void {
  for (const [err] of res ?? []) if (err) throw err;
}

/**
 * Reads answered without a command: HMGET/ZMSCORE need at least one argument, and a
 * range of n <= 0 would be `0 -1` (everything) in Redis, where it must be nothing.
 */
/** The script's replies, shaped as the pipeline's, so one decoder serves both paths. */
function scriptReplies(reads: readonly ReadOp[], replies: unknown[]): PipelineResult {
  const out: [Error | null, unknown][] = [];
  let j = 0;
  for (const r of reads) {
    if (emptyRead(r)) continue;
    const v = replies[j++];
    if (r.op === "hgetall") {
      // HGETALL inside a script comes back as a flat field/value array.
      const flat = (v ?? []) as string[];
      const obj: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
      out.push([null, obj]);
    } else out.push([null, v]);
  }
  return out;
}

function emptyRead(r: ReadOp): boolean {
  switch (r.op) {
    case "hmget":
      return r.fields.length === 0;
    case "zmscore":
    case "smismember":
      return r.members.length === 0;
    case "ztop":
    case "lrange":
    case "srandmember":
      return r.n <= 0;
    case "hgetall":
    case "scard":
      return false;
  }
}

export function queueRead(p: ReturnType<Redis["pipeline"]>, r: ReadOp): void {
  if (emptyRead(r)) return;
  switch (r.op) {
    case "hgetall":
      p.hgetall(r.key);
      break;
    case "hmget":
      p.hmget(r.key, ...r.fields);
      break;
    case "zmscore":
      p.call("ZMSCORE", r.key, ...r.members);
      break;
    case "ztop":
      p.call("ZRANGE", r.key, 0, r.n - 1, "REV", "WITHSCORES");
      break;
    case "lrange":
      p.lrange(r.key, 0, r.n - 1);
      break;
    case "smismember":
      p.call("SMISMEMBER", r.key, ...r.members);
      break;
    case "scard":
      p.scard(r.key);
      break;
    case "srandmember":
      p.srandmember(r.key, r.n);
      break;
  }
}

export function decodeReads(
  reads: readonly ReadOp[],
  res: PipelineResult,
  offset: number,
): ReadValue[] {
  const out: ReadValue[] = [];
  let j = offset;
  for (const r of reads) {
    if (emptyRead(r)) {
      out.push([]);
      continue;
    }
    const entry = res?.[j++];
    if (!entry) throw new Error("redis pipeline returned fewer replies than commands");
    const [err, v] = entry;
    if (err) throw err;
    switch (r.op) {
      case "hgetall":
        out.push((v ?? {}) as Record<string, string>);
        break;
      case "hmget":
        out.push(v as (string | null)[]);
        break;
      case "zmscore":
        out.push((v as (string | null)[]).map((s) => (s === null ? null : Number(s))));
        break;
      case "ztop": {
        const flat = v as string[];
        const pairs: [string, number][] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
        out.push(pairs);
        break;
      }
      case "lrange":
      case "srandmember":
        out.push(v as string[]);
        break;
      case "smismember":
        out.push((v as (number | string)[]).map((x) => Number(x) === 1));
        break;
      case "scard":
        out.push(Number(v));
        break;
    }
  }
  return out;
}
