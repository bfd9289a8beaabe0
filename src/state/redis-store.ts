import { Redis, type RedisOptions } from "ioredis";
import { encodeOps } from "./encode-ops.ts";
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
}
type ScriptedRedis = Redis & ScriptCommands;
type ScriptedPipeline = ReturnType<Redis["pipeline"]> & {
  srApplyOps(numKeys: number, ...keysAndArgs: (string | number)[]): unknown;
};

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
    this.sub = new Redis(opts.url, { ...base, enableAutoPipelining: false, enableReadyCheck: false });
    this.client.defineCommand("srApplyOps", { lua: loadLua("apply-ops.lua") });
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
  }

  async apply(ops: readonly Op[]): Promise<void> {
    if (ops.length === 0) return;
    const { keys, args } = encodeOps(ops);
    await this.client.srApplyOps(keys.length, ...keys, ...args);
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
    if (reads.length === 0) return [];
    const p = this.client.pipeline();
    for (const r of reads) queueRead(p, r);
    const res = await p.exec();
    return decodeReads(reads, res, 0);
  }

  async applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    const p = this.client.pipeline() as ScriptedPipeline;
    let offset = 0;
    if (ops.length > 0) {
      const { keys, args } = encodeOps(ops);
      p.srApplyOps(keys.length, ...keys, ...args);
      offset = 1;
    }
    for (const r of reads) queueRead(p, r);
    if (offset === 0 && reads.length === 0) return [];
    const res = await p.exec();
    if (offset === 1) throwFirst(res?.slice(0, 1) ?? null);
    return decodeReads(reads, res, offset);
  }

  async publishIfChanged(req: PublishRequest): Promise<PublishOutcome> {
    const [published, version] = await this.client.srPublishIfChanged(
      req.publishedKey,
      req.channel,
      req.order,
      req.ttlSeconds,
      req.payloadHead,
      req.payloadTail,
    );
    return { published: published === 1, version: Number(version) };
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    let hs = this.handlers.get(channel);
    if (!hs) {
      hs = new Set();
      this.handlers.set(channel, hs);
    }
    hs.add(onMessage);
    if (hs.size === 1) await this.serial(channel, () => this.sub.subscribe(channel));
    else await this.pending.get(channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const set = this.handlers.get(channel);
      if (!set) return;
      set.delete(onMessage);
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
    try {
      return (await this.client.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.client.quit(), this.sub.quit()]);
  }

  /** Keeps SUBSCRIBE/UNSUBSCRIBE of one channel in call order. */
  private serial(channel: string, fn: () => Promise<unknown>): Promise<unknown> {
    const prev = this.pending.get(channel) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.pending.set(channel, next);
    void next.finally(() => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    }).catch(() => {});
    return next;
  }
}

type PipelineResult = [Error | null, unknown][] | null;

function throwFirst(res: PipelineResult): void {
  for (const [err] of res ?? []) if (err) throw err;
}

/**
 * Reads answered without a command: HMGET/ZMSCORE need at least one argument, and a
 * range of n <= 0 would be `0 -1` (everything) in Redis, where it must be nothing.
 */
function emptyRead(r: ReadOp): boolean {
  switch (r.op) {
    case "hmget":
      return r.fields.length === 0;
    case "zmscore":
      return r.members.length === 0;
    case "ztop":
    case "lrange":
      return r.n <= 0;
    case "hgetall":
      return false;
  }
}

function queueRead(p: ReturnType<Redis["pipeline"]>, r: ReadOp): void {
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
  }
}

function decodeReads(reads: readonly ReadOp[], res: PipelineResult, offset: number): ReadValue[] {
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
        out.push(v as string[]);
        break;
    }
  }
  return out;
}
