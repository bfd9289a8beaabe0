import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { ChannelRegistry } from "./channel-registry.ts";
import { type CommandObserver, timeCommands } from "./command-timing.ts";
import { encodeOps } from "./encode-ops.ts";
import { keySlot as calculateSlot } from "./key-slot.ts";
import { loadLua } from "./lua/index.ts";
import type { Op } from "./ops.ts";
import {
  decodeReads,
  type PipelineResult,
  publishArgs,
  publishOutcome,
  queueRead,
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
}
type ScriptedCluster = Cluster & ScriptCommands;

export interface RedisClusterStoreOptions {
  /** Seed nodes; the rest of the cluster is discovered from them. */
  nodes: ClusterNode[];
  /** Options of every node connection (the data connections and the subscribers). */
  redisOptions?: RedisOptions;
  clusterOptions?: ClusterOptions;
  /** How often subscriptions are checked against the slot map (ms). */
  reconcileIntervalMs?: number;
  /** Times every command (see observeCommands). */
  onCommand?: CommandObserver;
}

/**
 * The store on a Redis Cluster. Same data model, scripts and semantics as RedisStore, with
 * the cluster's rule that one script may only touch keys of one slot:
 *
 * - Writes of one event are split by hash slot (a session's keys share `{s:<id>}`, an
 *   item's `{i:<id>}`, ...) and each slot's ops run as one `apply-ops` script, atomic in
 *   that slot. The slot holding the idempotency guard (else the first op's slot, the
 *   session's) runs first; only when it succeeded do the other slots' scripts go out, all
 *   in one tick (back to back on each node's connection: one round trip per node).
 *   Atomicity is per slot, not per event.
 * - Reads are issued in one tick too, after the writes, on the masters (reads must see the
 *   event's own writes; per connection Redis answers in order).
 * - Pub/sub is sharded: the publish script SPUBLISHes on the session channel, which shares
 *   the session's slot, and the store SSUBSCRIBEs on the master serving that slot with one
 *   subscriber connection per master. A reconciler moves channels when the slot map
 *   changes (failover, resharding) and tells subscribers to resync.
 */
export class RedisClusterStore implements Store {
  readonly kind = "cluster" as const;
  readonly client: ScriptedCluster;
  private readonly pubsub: ShardedPubSub;

  constructor(opts: RedisClusterStoreOptions) {
    const redisOptions: RedisOptions = {
      // Fail fast rather than queue while a node is unreachable (see RedisStore).
      maxRetriesPerRequest: 2,
      connectTimeout: 2000,
      ...opts.redisOptions,
    };
    this.client = new Cluster(opts.nodes, {
      // No auto-pipelining: ioredis routes an auto-pipelined script by its first argument
      // (the key count for apply-ops), and a MOVED reply inside an auto-pipeline during a
      // failover surfaced as an unhandled rejection. Commands issued in one tick are still
      // written back to back on each node's connection without waiting for replies: one
      // round trip per node, each command redirected on its own.
      enableAutoPipelining: false,
      scaleReads: "master",
      // Ride through a failover: MOVED/TRYAGAIN/CLUSTERDOWN are retried after these delays
      // (bounded by maxRedirections), and the slot map is refreshed on its own.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      retryDelayOnMoved: 50,
      maxRedirections: 16,
      slotsRefreshInterval: 2000,
      ...opts.clusterOptions,
      redisOptions,
    }) as ScriptedCluster;
    this.client.defineCommand("srApplyOps", { lua: loadLua("apply-ops.lua") });
    this.client.defineCommand("srPublishIfChanged", {
      numberOfKeys: 2,
      lua: loadLua("publish-if-changed-2.lua"),
    });
    this.client.on("error", () => {});
    this.client.on("node error", () => {});
    this.pubsub = new ShardedPubSub(this.client, redisOptions, opts.reconcileIntervalMs ?? 500);
    if (opts.onCommand) this.observeCommands(opts.onCommand);
  }

  /** Times every command of the data connections (the metrics' Redis histogram). */
  observeCommands(observer: CommandObserver): void {
    timeCommands(this.client, observer);
  }

  // Every call's failure because the cluster cannot answer is a StoreUnavailableError.
  apply(ops: readonly Op[]): Promise<boolean> {
    return typed(this.applyNow(ops));
  }

  applyMany(groups: readonly (readonly Op[])[]): Promise<void> {
    return typed(this.applyManyNow(groups));
  }

  read(reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return typed(this.readNow(reads));
  }

  applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return typed(this.applyAndReadNow(ops, reads));
  }

  publishIfChanged(req: PublishRequest): Promise<PublishOutcome> {
    return typed(this.publishNow(req));
  }

  subscribe(
    channel: string,
    onMessage: (message: string) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe> {
    return typed(this.pubsub.subscribe(channel, onMessage, onResync));
  }

  subscriptionCount(): number {
    return this.pubsub.count();
  }

  deleteKeys(keys: readonly string[]): Promise<number> {
    return typed(
      Promise.all(keys.map((k) => this.client.del(k))).then((res) =>
        res.reduce((n, v) => n + Number(v ?? 0), 0),
      ),
    );
  }

  private async applyNow(ops: readonly Op[]): Promise<boolean> {
    if (ops.length === 0) return true;
    const [first, ...rest] = groupBySlot(ops);
    if ((await this.script(first!)) === -1) return false;
    await Promise.all(rest.map((g) => this.script(g)));
    return true;
  }

  private async applyManyNow(groups: readonly (readonly Op[])[]): Promise<void> {
    // Every slot script of every group goes out in order in one tick: per node, ioredis
    // keeps them in call order, so a key sees its groups' writes in order.
    const calls: Promise<number>[] = [];
    for (const ops of groups) {
      if (ops.length > 0) for (const g of groupBySlot(ops)) calls.push(this.script(g));
    }
    await Promise.all(calls);
  }

  private readNow(reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return reads.length === 0 ? Promise.resolve([]) : clusterRead(this.client, reads);
  }

  private async applyAndReadNow(
    ops: readonly Op[],
    reads: readonly ReadOp[],
  ): Promise<ReadValue[]> {
    if (ops.length > 0) {
      const [first, ...rest] = groupBySlot(ops);
      const skipped = (await this.script(first!)) === -1;
      if (!skipped) {
        // The reads are issued after the writes in the same tick; per node the order holds.
        const writes = Promise.all(rest.map((g) => this.script(g)));
        const values = this.readNow(reads);
        await writes;
        return values;
      }
    }
    return this.readNow(reads);
  }

  private async publishNow(req: PublishRequest): Promise<PublishOutcome> {
    if (calculateSlot(req.publishedKey) !== calculateSlot(req.channel)) {
      throw new Error(
        `publishIfChanged: ${req.publishedKey} and ${req.channel} must share a hash tag on a Redis Cluster`,
      );
    }
    return publishOutcome(await this.client.srPublishIfChanged(...publishArgs(req, "s")));
  }

  /** Ready when the cluster client is ready and every master answers PING. */
  async ping(): Promise<boolean> {
    if (this.client.status !== "ready") {
      // Just created (still discovering the cluster): give it a moment; else not ready.
      if (!["wait", "connecting", "connect"].includes(this.client.status)) return false;
      if (
        !(await waitReady(this.client, 3000).then(
          () => true,
          () => false,
        ))
      )
        return false;
    }
    const masters = this.client.nodes("master");
    if (masters.length === 0) return false;
    try {
      const answers = await Promise.all(masters.map((m) => withTimeout(m.ping(), 1000)));
      return answers.every((a) => a === "PONG");
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pubsub.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private script(ops: readonly Op[]): Promise<number> {
    const { keys, args } = encodeOps(ops);
    return this.client.srApplyOps(keys.length, ...keys, ...args);
  }
}

/**
 * Splits ops by hash slot, keeping their order within each slot. The group holding a
 * `guard` op comes first (an event already applied must write nothing anywhere), else
 * the group of the first op (the session's, for an event's writes).
 */
export function groupBySlot(ops: readonly Op[]): Op[][] {
  const bySlot = new Map<number, Op[]>();
  let lead: number | undefined;
  for (const o of ops) {
    const slot = calculateSlot(o.key);
    let g = bySlot.get(slot);
    if (!g) {
      g = [];
      bySlot.set(slot, g);
    }
    g.push(o);
    if ((o as { op: string }).op === "guard") lead = slot;
  }
  lead ??= calculateSlot(ops[0]!.key);
  const first = bySlot.get(lead)!;
  bySlot.delete(lead);
  return [first, ...bySlot.values()];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * Answers reads with RedisStore's own encoding and decoding (queueRead/decodeReads): a
 * pipeline-shaped recorder sends each command straight to the cluster client, in one tick,
 * so they go out back to back per node, each routed (and redirected) by its own slot.
 */
async function clusterRead(c: Cluster, reads: readonly ReadOp[]): Promise<ReadValue[]> {
  const calls: Promise<unknown>[] = [];
  const recorder = new Proxy(
    {},
    {
      get:
        (_t, name: string) =>
        (...args: unknown[]) => {
          const fn = (c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
          calls.push(fn!.apply(c, args));
          return recorder;
        },
    },
  ) as Parameters<typeof queueRead>[0];
  for (const r of reads) queueRead(recorder, r);
  const settled = await Promise.allSettled(calls);
  const res: PipelineResult = settled.map((s) =>
    s.status === "fulfilled" ? [null, s.value] : [s.reason as Error, undefined],
  );
  return decodeReads(reads, res, 0);
}

/** Where a channel is subscribed (kept beside its subscribers in the registry). */
interface Placement {
  /** Node (host:port) whose subscriber connection holds the channel, once subscribed. */
  node?: string;
  /** In-flight SSUBSCRIBE, so that concurrent subscribers of a channel wait for it. */
  subscribing?: Promise<void>;
}

/**
 * Sharded pub/sub over a cluster: one subscriber connection per master that serves a
 * subscribed channel's slot, SSUBSCRIBE there, and a reconciler that follows the slot map.
 *
 * ioredis 5 has its own sharded subscriber group; this small one is used instead because
 * the service must know when a channel was moved or resubscribed (to resend the current
 * list), and because it keeps the subscriber connections to SSUBSCRIBE/SUNSUBSCRIBE only.
 */
class ShardedPubSub {
  private readonly channels = new ChannelRegistry<Placement>(() => ({}));
  private readonly conns = new Map<string, Redis>();
  private readonly timer: NodeJS.Timeout;
  private reconciling = false;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly redisOptions: RedisOptions,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => void this.reconcile(), intervalMs);
    this.timer.unref();
    cluster.on("refresh", () => void this.reconcile());
  }

  count(): number {
    return this.channels.size;
  }

  async subscribe(
    channel: string,
    onMessage: (m: string) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe> {
    const { entry } = this.channels.add(channel, onMessage, onResync);
    const at = entry.state;
    try {
      if (!at.node) {
        at.subscribing ??= this.place(channel, at).finally(() => {
          at.subscribing = undefined;
        });
        await at.subscribing;
      }
    } catch (err) {
      this.channels.remove(channel, onMessage, onResync, entry);
      throw err;
    }
    return ChannelRegistry.once(async () => {
      if (!this.channels.remove(channel, onMessage, onResync, entry)) return;
      if (at.node) await this.drop(at.node, channel);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.channels.clear();
    await Promise.allSettled([...this.conns.values()].map((c) => c.quit()));
    this.conns.clear();
  }

  /** SSUBSCRIBEs the channel on the master serving its slot now. */
  private async place(channel: string, ch: Placement): Promise<void> {
    if (this.cluster.status !== "ready") await waitReady(this.cluster);
    const node = this.masterOf(channel);
    if (!node) throw new Error(`no master serves the slot of ${channel}`);
    await this.conn(node).ssubscribe(channel);
    ch.node = node;
  }

  private masterOf(channel: string): string | undefined {
    return this.cluster.slots[calculateSlot(channel)]?.[0];
  }

  private conn(node: string): Redis {
    let c = this.conns.get(node);
    if (c) return c;
    const i = node.lastIndexOf(":");
    c = new Redis({
      ...this.redisOptions,
      host: node.slice(0, i),
      port: Number(node.slice(i + 1)),
      // SSUBSCRIBE is valid at once; a ready check (INFO) is not, in subscriber mode.
      enableReadyCheck: false,
      autoResubscribe: true,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 1000),
    });
    const conn = c;
    conn.on("error", () => {});
    conn.on("smessage", (channel: string, message: string) => {
      this.channels.deliver(channel, message);
    });
    let connectedBefore = false;
    conn.on("ready", () => {
      if (connectedBefore) void this.afterReconnect(node, conn);
      connectedBefore = true;
    });
    // A lost subscriber connection may mean a failover: look at the slot map again.
    conn.on("close", () => {
      if (!this.closed) this.cluster.refreshSlotsCache();
    });
    this.conns.set(node, conn);
    return conn;
  }

  /** The node came back (same address): confirm its channels, then resync them. */
  private async afterReconnect(node: string, conn: Redis): Promise<void> {
    const mine = [...this.channels.entries()].filter(([, ch]) => ch.state.node === node);
    if (mine.length === 0) return;
    try {
      for (const [name] of mine) await conn.ssubscribe(name);
    } catch {
      // The reconciler retries (and moves the channels if the node is no master any more).
      for (const [, ch] of mine) ch.state.node = undefined;
      return;
    }
    for (const [name] of mine) this.channels.resync(name);
  }

  /**
   * Moves every channel whose slot is now served by another master (or that the server
   * dropped, or that is not subscribed anywhere) to the right node, then tells its
   * subscribers to resync. Connections left without channels are closed.
   */
  private async reconcile(): Promise<void> {
    if (this.reconciling || this.closed || this.cluster.status !== "ready") return;
    this.reconciling = true;
    try {
      for (const [name, entry] of [...this.channels.entries()]) {
        const ch = entry.state;
        if (ch.subscribing) continue;
        const want = this.masterOf(name);
        if (!want) continue;
        const conn = ch.node ? this.conns.get(ch.node) : undefined;
        const held = conn !== undefined && ch.node === want && subscribedOn(conn, name);
        if (held) continue;
        const old = ch.node;
        try {
          await this.conn(want).ssubscribe(name);
        } catch {
          ch.node = undefined;
          continue;
        }
        if (this.channels.get(name) !== entry) {
          await this.drop(want, name);
          continue;
        }
        ch.node = want;
        if (old && old !== want) await this.drop(old, name);
        this.channels.resync(name);
      }
      for (const [node, conn] of this.conns) {
        const used = [...this.channels.entries()].some(
          ([, ch]) => ch.state.node === node || ch.state.subscribing,
        );
        if (!used) {
          this.conns.delete(node);
          conn.disconnect();
        }
      }
    } finally {
      this.reconciling = false;
    }
  }

  private async drop(node: string, channel: string): Promise<void> {
    const conn = this.conns.get(node);
    if (!conn) return;
    if (conn.status === "ready") await conn.sunsubscribe(channel).catch(() => {});
  }
}

/** Whether ioredis still counts the channel as subscribed on this connection. */
function subscribedOn(conn: Redis, channel: string): boolean {
  const cond = (
    conn as unknown as { condition?: { subscriber?: { channels(t: string): string[] } | false } }
  ).condition;
  if (!cond?.subscriber) return conn.status !== "ready";
  return cond.subscriber.channels("ssubscribe").includes(channel);
}

function waitReady(cluster: Cluster, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cluster.status === "ready") return resolve();
    const t = setTimeout(() => {
      cluster.off("ready", ok);
      reject(new Error("Redis Cluster not ready"));
    }, ms);
    const ok = () => {
      clearTimeout(t);
      resolve();
    };
    cluster.once("ready", ok);
  });
}
