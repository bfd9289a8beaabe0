import { Redis, type RedisOptions } from "ioredis";
import { ChannelRegistry } from "./channel-registry.ts";
import { type CommandObserver, timeCommands } from "./command-timing.ts";
import { encodeOps } from "./encode-ops.ts";
import { encodeReads } from "./encode-reads.ts";
import { loadLua } from "./lua/index.ts";
import type { Op } from "./ops.ts";
import {
  decodeReads,
  emptyRead,
  publishArgs,
  publishOutcome,
  queueRead,
  scriptReplies,
  throwFirst,
} from "./redis-codec.ts";
import type {
  PublishOutcome,
  PublishRequest,
  ReadOp,
  ReadValue,
  Store,
  Unsubscribe,
} from "./store.ts";
import { typed } from "./store-errors.ts";

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
  /** Times every command (see observeCommands). */
  onCommand?: CommandObserver;
}

/**
 * The production store. Each event's writes run as one Lua script (one round trip,
 * atomic); reads are pipelined. Pub/sub uses one extra connection per process, with
 * channel subscriptions shared (channel-registry.ts) so many subscribers of one session
 * share one. A failure because Redis cannot answer rejects with StoreUnavailableError.
 */
export class RedisStore implements Store {
  readonly kind = "redis" as const;
  readonly client: ScriptedRedis;
  private readonly sub: Redis;
  private readonly channels = new ChannelRegistry(() => undefined);
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
    this.sub.on("message", (channel: string, message: string) =>
      this.channels.deliver(channel, message),
    );
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
    if (opts.onCommand) this.observeCommands(opts.onCommand);
  }

  /** Times every command of the data connection (the metrics' Redis histogram). */
  observeCommands(observer: CommandObserver): void {
    timeCommands(this.client, observer);
  }

  async apply(ops: readonly Op[]): Promise<boolean> {
    if (ops.length === 0) return true;
    const { keys, args } = encodeOps(ops);
    // -1: a guard op found the event applied already, and the script wrote nothing.
    return (await typed(this.client.srApplyOps(keys.length, ...keys, ...args))) !== -1;
  }

  applyMany(groups: readonly (readonly Op[])[]): Promise<void> {
    return typed(this.pipelineGroups(groups));
  }

  private async pipelineGroups(groups: readonly (readonly Op[])[]): Promise<void> {
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

  read(reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return this.applyAndRead([], reads);
  }

  applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return typed(this.pipelineRead(ops, reads));
  }

  private async pipelineRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
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
    return publishOutcome(await typed(this.client.srPublishIfChanged(...publishArgs(req, "p"))));
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe> {
    const { first, entry } = this.channels.add(channel, onMessage, onResync);
    try {
      if (first) await typed(this.serial(channel, () => this.sub.subscribe(channel)));
      else await typed(this.pending.get(channel) ?? Promise.resolve());
    } catch (err) {
      // SUBSCRIBE failed (e.g. the connection was down): forget this handler, or it would
      // count as a subscription forever and make the next subscriber of the channel skip
      // SUBSCRIBE, believing the channel subscribed when it is not.
      this.channels.remove(channel, onMessage, onResync, entry);
      throw err;
    }
    return ChannelRegistry.once(async () => {
      if (this.channels.remove(channel, onMessage, onResync, entry))
        await this.serial(channel, () => this.sub.unsubscribe(channel)).catch(() => {});
    });
  }

  subscriptionCount(): number {
    return this.channels.size;
  }

  deleteKeys(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return Promise.resolve(0);
    // One DEL per key: keys of different slots may not share a command on a cluster.
    const p = this.client.pipeline();
    for (const k of keys) p.del(k);
    return typed(
      p.exec().then((res) => {
        throwFirst(res);
        return (res ?? []).reduce((n, [, v]) => n + Number(v ?? 0), 0);
      }),
    );
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
    this.channels.clear();
    await Promise.allSettled([this.client.quit(), this.sub.quit()]);
  }

  /** Confirms every channel on the new connection (SUBSCRIBE is idempotent), then resyncs. */
  private async resubscribed(): Promise<void> {
    const channels = this.channels.names();
    if (channels.length === 0) return;
    try {
      await this.sub.subscribe(...channels);
    } catch {
      return; // down again: the next "ready" retries
    }
    for (const ch of channels) this.channels.resync(ch);
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
