import { EventEmitter } from "node:events";
import { applyOps, type Db, type Op } from "./ops.ts";
import type {
  PublishOutcome,
  PublishRequest,
  ReadOp,
  ReadValue,
  Store,
  Unsubscribe,
} from "./store.ts";

/**
 * The zero-setup store: the same data model and operation semantics as Redis, held in
 * process memory. Used when no REDIS_URL is configured and for fast offline replay.
 * Single-process by nature: its pub/sub reaches subscribers of this process only.
 */
export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  private readonly db: Db = new Map();
  private readonly deadlines = new Map<string, number>();
  private readonly bus = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;
  /** Subscribers per channel: like Redis, one subscription per channel however many listen. */
  private readonly channels = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    this.bus.setMaxListeners(0);
    // TTLs bound memory (wall clock), exactly as EXPIRE does in Redis.
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async apply(ops: readonly Op[]): Promise<boolean> {
    return this.applySync(ops);
  }

  async applyMany(groups: readonly (readonly Op[])[]): Promise<void> {
    for (const g of groups) this.applySync(g);
  }

  async read(reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return reads.map((r) => this.readOne(r));
  }

  async applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    this.applySync(ops);
    return reads.map((r) => this.readOne(r));
  }

  async publishIfChanged(req: PublishRequest): Promise<PublishOutcome> {
    this.expireIfDue(req.publishedKey);
    const cur = this.db.get(req.publishedKey);
    const h = cur?.t === "hash" ? cur.v : new Map<string, string>();
    const version = Number(h.get(req.versionField) ?? 0);
    if (h.get(req.orderField) === req.order) return { published: false, version };
    const next = version + 1;
    h.set(req.versionField, String(next));
    h.set(req.orderField, req.order);
    this.db.set(req.publishedKey, { t: "hash", v: h });
    this.deadlines.set(req.publishedKey, this.now() + req.ttlSeconds * 1000);
    if (req.payload) this.bus.emit(req.channel, `${req.payload.head}${next}${req.payload.tail}`);
    return { published: true, version: next };
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe> {
    this.bus.on(channel, onMessage);
    this.channels.set(channel, (this.channels.get(channel) ?? 0) + 1);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const left = (this.channels.get(channel) ?? 1) - 1;
      if (left > 0) this.channels.set(channel, left);
      else this.channels.delete(channel);
      this.bus.off(channel, onMessage);
    };
  }

  subscriptionCount(): number {
    return this.channels.size;
  }

  async deleteKeys(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const k of keys) {
      this.expireIfDue(k);
      if (this.db.delete(k)) n++;
      this.deadlines.delete(k);
    }
    return n;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
    this.channels.clear();
  }

  /** Key count, for tests and memory figures. */
  size(): number {
    this.sweep();
    return this.db.size;
  }

  private applySync(ops: readonly Op[]): boolean {
    for (const o of ops) this.expireIfDue(o.key);
    return applyOps(this.db, ops, (key, seconds) => {
      this.deadlines.set(key, this.now() + seconds * 1000);
    });
  }

  private readOne(r: ReadOp): ReadValue {
    this.expireIfDue(r.key);
    const cur = this.db.get(r.key);
    switch (r.op) {
      case "hgetall":
        return cur?.t === "hash" ? Object.fromEntries(cur.v) : {};
      case "hmget":
        return r.fields.map((f) => (cur?.t === "hash" ? (cur.v.get(f) ?? null) : null));
      case "zmscore":
        return r.members.map((m) => (cur?.t === "zset" ? (cur.v.get(m) ?? null) : null));
      case "ztop": {
        if (cur?.t !== "zset" || r.n <= 0) return [];
        // Redis ZRANGE ... REV orders ties by member, descending.
        return [...cur.v.entries()]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
          .slice(0, r.n);
      }
      case "lrange":
        return cur?.t === "list" && r.n > 0 ? cur.v.slice(0, r.n) : [];
      case "smismember":
        return r.members.map((m) => cur?.t === "set" && cur.v.has(m));
      case "scard":
        return cur?.t === "set" ? cur.v.size : 0;
      case "srandmember": {
        if (cur?.t !== "set" || r.n <= 0) return [];
        const out: string[] = [];
        for (const m of cur.v) {
          if (out.length >= r.n) break;
          out.push(m);
        }
        return out;
      }
    }
  }

  private expireIfDue(key: string): void {
    const d = this.deadlines.get(key);
    if (d !== undefined && d <= this.now()) {
      this.db.delete(key);
      this.deadlines.delete(key);
    }
  }

  private sweep(): void {
    for (const key of this.deadlines.keys()) this.expireIfDue(key);
  }
}
