import type { Op } from "./ops.ts";

/** Ops that write a sorted set, list or set: they never read or change a hash's fields. */
const NOT_HASH: ReadonlySet<Op["op"]> = new Set(["zincr", "zmax", "lpush", "sadd"]);

/**
 * Drops the writes of an op list that a later op of the same list makes moot, so that a
 * session's events applied in one script call (a batch) send each field once instead of
 * once per event. The result leaves the store exactly as the full list would, which the
 * tests check on random op lists:
 * - an `hset` is dropped when a later `hset` writes the same field and no op in between
 *   touches that hash in another way (the kept `expire` of the key included: EXPIRE needs
 *   the key to exist, and the earlier hset may be what creates it);
 * - an `expire` is dropped when a later `expire` names the same key: one script call runs
 *   at one instant, and writes never clear a TTL, so only the last one decides;
 * - `hincr`s of one field add up into the first of them while no other op touches that
 *   hash field in between.
 * Every other op (sorted sets trim after each write, lists, session-item counters, guards)
 * is kept as it is, in order.
 */
export function coalesceOps(ops: readonly Op[]): Op[] {
  const n = ops.length;
  const keep = new Array<boolean>(n).fill(true);
  // Backwards: which (key, field) a later hset overwrites, which keys a later expire covers.
  const overwritten = new Map<string, Set<string>>();
  const expired = new Set<string>();
  for (let i = n - 1; i >= 0; i--) {
    const o = ops[i]!;
    if (o.op === "expire") {
      if (expired.has(o.key)) keep[i] = false;
      else {
        expired.add(o.key);
        // The expire that stays needs the hash to exist where it stands: an hset before
        // it may create the hash, so a later hset must not stand in for it.
        overwritten.delete(o.key);
      }
    } else if (o.op === "hset") {
      let fields = overwritten.get(o.key);
      if (fields?.has(o.field)) keep[i] = false;
      else {
        if (!fields) {
          fields = new Set();
          overwritten.set(o.key, fields);
        }
        fields.add(o.field);
      }
    } else if (!NOT_HASH.has(o.op)) {
      // hincr, hdel, stouch, srem, zrem, guard: anything that may read or change the hash
      // ends what a later hset of it can overwrite.
      overwritten.delete(o.key);
    }
  }
  // Forwards: sum consecutive increments of one hash field into the first.
  const out: Op[] = [];
  const pending = new Map<string, Map<string, number>>();
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    const o = ops[i]!;
    if (o.op === "hincr") {
      let fields = pending.get(o.key);
      const at = fields?.get(o.field);
      if (at !== undefined) {
        const first = out[at] as Extract<Op, { op: "hincr" }>;
        out[at] = { ...first, by: first.by + o.by };
        continue;
      }
      if (!fields) {
        fields = new Map();
        pending.set(o.key, fields);
      }
      fields.set(o.field, out.length);
    } else if (o.op === "hset") pending.get(o.key)?.delete(o.field);
    else if (o.op !== "expire" && !NOT_HASH.has(o.op)) pending.delete(o.key);
    out.push(o);
  }
  return out;
}
