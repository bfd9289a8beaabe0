import { ITEM_EVENT_TYPES } from "../domain/event-type.ts";

/**
 * The closed set of write operations an event can cause. Features produce them as plain
 * data; the Redis store runs them in one Lua script (lua/apply-ops.lua) and the memory
 * store runs them with `applyOps` below. Both must agree exactly: the contract suite in
 * test/contract checks each operation on both stores.
 *
 * Every collection an op grows carries its own cap, so memory per key is bounded
 * whatever the traffic.
 */
export type Op =
  /** HINCRBY key field by */
  | { op: "hincr"; key: string; field: string; by: number }
  /** HSET key field value */
  | { op: "hset"; key: string; field: string; value: string }
  /** ZINCRBY key by member, then keep only the `cap` highest scores. */
  | { op: "zincr"; key: string; member: string; by: number; cap: number }
  /** Score becomes max(old, score), then keep only the `cap` highest scores. */
  | { op: "zmax"; key: string; member: string; score: number; cap: number }
  /** LPUSH key value, then LTRIM to the `cap` newest. */
  | { op: "lpush"; key: string; value: string; cap: number }
  /**
   * Session-item counters packed in one hash field: `n,first,last,c0,...,c{TYPES-1}`
   * (TYPES = SESSION_ITEM_TYPES).
   * Counts one touch of type `type` at `step`. When a new item would exceed `cap` fields,
   * the item touched longest ago (smallest last step, then smallest id) is evicted.
   */
  | { op: "stouch"; key: string; item: string; type: number; step: number; cap: number }
  /** EXPIRE key seconds (wall clock: TTLs bound memory, they never feed a feature). */
  | { op: "expire"; key: string; seconds: number }
  /**
   * Idempotency guard (a zset of recent event ids, score = when the id's window ends, in
   * wall-clock ms). Checked before any op of the list runs: when `member` is held with a
   * score above `now`, the event was applied already and the whole list is skipped. Else
   * ids whose window ended are dropped, `member` is added with score `now + ttlMs`, the set
   * keeps the `cap` latest-ending ids, and the key expires after the window.
   */
  | { op: "guard"; key: string; member: string; now: number; ttlMs: number; cap: number }
  /**
   * SADD key member. Sets index the item catalogue (items per property, per city): they
   * hold one entry per catalogue item at most, so the catalogue bounds them, not a cap.
   */
  | { op: "sadd"; key: string; member: string }
  /** SREM key member; a set left empty is deleted (as Redis does). */
  | { op: "srem"; key: string; member: string }
  /** HDEL key field; a hash left empty is deleted. */
  | { op: "hdel"; key: string; field: string }
  /** ZREM key member; a sorted set left empty is deleted. */
  | { op: "zrem"; key: string; member: string };

/** Counters per touched item: one per item event type (their one list: domain/event-type.ts). */
export const SESSION_ITEM_TYPES = ITEM_EVENT_TYPES.length;

export interface SessionItemCounters {
  n: number;
  first: number;
  last: number;
  byType: number[];
}

export function parseSessionItem(packed: string): SessionItemCounters {
  const parts = packed.split(",");
  const byType: number[] = new Array(SESSION_ITEM_TYPES).fill(0);
  for (let t = 0; t < SESSION_ITEM_TYPES; t++) byType[t] = Number(parts[3 + t] ?? 0);
  return {
    n: Number(parts[0] ?? 0),
    first: Number(parts[1] ?? 0),
    last: Number(parts[2] ?? 0),
    byType,
  };
}

export function packSessionItem(c: SessionItemCounters): string {
  return [c.n, c.first, c.last, ...c.byType].join(",");
}

/** The data model both stores share: what a key holds. */
export type Value =
  | { t: "hash"; v: Map<string, string> }
  | { t: "zset"; v: Map<string, number> }
  | { t: "list"; v: string[] }
  | { t: "set"; v: Set<string> };

export type Db = Map<string, Value>;

function hashOf(db: Db, key: string): Map<string, string> {
  const cur = db.get(key);
  if (cur?.t === "hash") return cur.v;
  const v = new Map<string, string>();
  db.set(key, { t: "hash", v });
  return v;
}

function zsetOf(db: Db, key: string): Map<string, number> {
  const cur = db.get(key);
  if (cur?.t === "zset") return cur.v;
  const v = new Map<string, number>();
  db.set(key, { t: "zset", v });
  return v;
}

function setOf(db: Db, key: string): Set<string> {
  const cur = db.get(key);
  if (cur?.t === "set") return cur.v;
  const v = new Set<string>();
  db.set(key, { t: "set", v });
  return v;
}

/** Removes from a key's collection; like Redis, a collection left empty is no key at all. */
function removeFrom(db: Db, key: string, t: Value["t"], member: string): void {
  const cur = db.get(key);
  if (cur?.t !== t || cur.t === "list") return;
  cur.v.delete(member);
  if (cur.v.size === 0) db.delete(key);
}

function listOf(db: Db, key: string): string[] {
  const cur = db.get(key);
  if (cur?.t === "list") return cur.v;
  const v: string[] = [];
  db.set(key, { t: "list", v });
  return v;
}

/** Redis orders equal scores by member (binary); trimming removes the lowest first. */
export function trimZset(z: Map<string, number>, cap: number): void {
  if (z.size <= cap) return;
  // The usual case is one member over the cap (a new member just added): a linear scan
  // for the lowest beats sorting a top-K of hundreds on every event of a replay.
  if (z.size === cap + 1) {
    let victim: string | undefined;
    let low = Number.POSITIVE_INFINITY;
    for (const [m, sc] of z) {
      if (sc < low || (sc === low && victim !== undefined && m < victim)) {
        victim = m;
        low = sc;
      }
    }
    if (victim !== undefined) z.delete(victim);
    return;
  }
  const sorted = [...z.entries()].sort(
    (a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  for (let i = 0; i < sorted.length - cap; i++) z.delete(sorted[i]![0]);
}

export type ExpireHook = (key: string, seconds: number) => void;

/** Whether a guard op of `ops` finds its event applied already (then nothing is applied). */
export function isDuplicate(db: Db, ops: readonly Op[]): boolean {
  for (const o of ops) {
    if (o.op !== "guard") continue;
    const cur = db.get(o.key);
    const until = cur?.t === "zset" ? cur.v.get(o.member) : undefined;
    if (until !== undefined && until > o.now) return true;
  }
  return false;
}

/**
 * Applies ops to an in-memory database exactly as lua/apply-ops.lua does in Redis.
 * Returns false, having applied nothing, when a guard op finds a duplicate event.
 */
export function applyOps(db: Db, ops: readonly Op[], onExpire?: ExpireHook): boolean {
  if (isDuplicate(db, ops)) return false;
  for (const o of ops) {
    switch (o.op) {
      case "hincr": {
        const h = hashOf(db, o.key);
        h.set(o.field, String(Number(h.get(o.field) ?? 0) + o.by));
        break;
      }
      case "hset":
        hashOf(db, o.key).set(o.field, o.value);
        break;
      case "zincr": {
        const z = zsetOf(db, o.key);
        z.set(o.member, (z.get(o.member) ?? 0) + o.by);
        trimZset(z, o.cap);
        break;
      }
      case "zmax": {
        const z = zsetOf(db, o.key);
        const old = z.get(o.member);
        if (old === undefined || o.score > old) z.set(o.member, o.score);
        trimZset(z, o.cap);
        break;
      }
      case "lpush": {
        const l = listOf(db, o.key);
        l.unshift(o.value);
        if (l.length > o.cap) l.length = o.cap;
        break;
      }
      case "stouch": {
        const h = hashOf(db, o.key);
        const packed = h.get(o.item);
        let c: SessionItemCounters;
        if (packed === undefined) {
          if (h.size >= o.cap) evictOldest(h);
          c = { n: 0, first: o.step, last: o.step, byType: new Array(SESSION_ITEM_TYPES).fill(0) };
        } else {
          c = parseSessionItem(packed);
        }
        c.n += 1;
        c.last = Math.max(c.last, o.step);
        c.byType[o.type] = (c.byType[o.type] ?? 0) + 1;
        h.set(o.item, packSessionItem(c));
        break;
      }
      case "expire":
        // Like EXPIRE: a key that does not exist (yet) gets no TTL.
        if (db.has(o.key)) onExpire?.(o.key, o.seconds);
        break;
      case "sadd":
        setOf(db, o.key).add(o.member);
        break;
      case "srem":
        removeFrom(db, o.key, "set", o.member);
        break;
      case "hdel":
        removeFrom(db, o.key, "hash", o.field);
        break;
      case "zrem":
        removeFrom(db, o.key, "zset", o.member);
        break;
      case "guard": {
        const z = zsetOf(db, o.key);
        for (const [m, until] of z) if (until <= o.now) z.delete(m);
        z.set(o.member, o.now + o.ttlMs);
        trimZset(z, o.cap);
        onExpire?.(o.key, Math.ceil(o.ttlMs / 1000));
        break;
      }
    }
  }
  return true;
}

function evictOldest(h: Map<string, string>): void {
  let victim: string | undefined;
  let victimLast = Number.POSITIVE_INFINITY;
  for (const [item, packed] of h) {
    const last = parseSessionItem(packed).last;
    if (last < victimLast || (last === victimLast && victim !== undefined && item < victim)) {
      victim = item;
      victimLast = last;
    }
  }
  if (victim !== undefined) h.delete(victim);
}
