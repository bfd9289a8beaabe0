import { afterEach, describe, expect, it } from "vitest";
import { coalesceOps } from "../../src/state/coalesce-ops.ts";
import type { Op } from "../../src/state/ops.ts";
import { RedisClusterStore } from "../../src/state/redis-cluster-store.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import type { ReadOp, Store } from "../../src/state/store.ts";
import { mulberry32 as prng } from "../../src/util/prng.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { ALL_STORE_KINDS, makeStore } from "../support/stores.ts";

/**
 * Random op lists over a few keys of each type, shaped like a session's events in a batch
 * (the same fields written again and again, TTLs renewed, hashes emptied and recreated).
 */
function randomOps(seed: number, key: (name: string) => string, length: number): Op[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hashes = [key("{t}:h1"), key("{t}:h2")];
  const fields = ["step", "ts", "list", "list.1", "imp"];
  const ops: Op[] = [];
  for (let i = 0; i < length; i++) {
    const r = rnd();
    if (r < 0.3) ops.push({ op: "hset", key: pick(hashes), field: pick(fields), value: String(i) });
    else if (r < 0.45)
      ops.push({ op: "hincr", key: pick(hashes), field: pick(fields), by: 1 + (i % 3) });
    else if (r < 0.55) ops.push({ op: "hdel", key: pick(hashes), field: pick(fields) });
    else if (r < 0.75)
      ops.push({
        op: "expire",
        key: pick([...hashes, key("{t}:z"), key("{t}:l"), key("{t}:it")]),
        seconds: 100 + (i % 2) * 500,
      });
    else if (r < 0.85)
      ops.push({ op: "zincr", key: key("{t}:z"), member: pick(["a", "b", "c"]), by: 1, cap: 2 });
    else if (r < 0.93) ops.push({ op: "lpush", key: key("{t}:l"), value: String(i), cap: 3 });
    else
      ops.push({
        op: "stouch",
        key: key("{t}:it"),
        item: pick(["a", "b"]),
        type: i % 9,
        step: i,
        cap: 1,
      });
  }
  return ops;
}

describe.each(ALL_STORE_KINDS)("coalesceOps leaves the store as the full list does: %s", (kind) => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  /** Contents and TTL presence (Redis: TTL > 0; memory: none is observable here). */
  async function stateOf(store: Store, key: (name: string) => string) {
    const names = ["{t}:h1", "{t}:h2", "{t}:z", "{t}:l", "{t}:it"];
    const reads: ReadOp[] = [
      { op: "hgetall", key: key(names[0]!) },
      { op: "hgetall", key: key(names[1]!) },
      { op: "ztop", key: key(names[2]!), n: 10 },
      { op: "lrange", key: key(names[3]!), n: 10 },
      { op: "hgetall", key: key(names[4]!) },
    ];
    const values = await store.read(reads);
    if (!(store instanceof RedisStore || store instanceof RedisClusterStore)) return { values };
    const client = store.client;
    const ttls = await Promise.all(names.map((n) => client.ttl(key(n))));
    return { values, ttls };
  }

  it("on 300 random lists: same contents, same TTLs, and fewer ops", async () => {
    const store = makeStore(kind);
    stores.push(store);
    let before = 0;
    let after = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const full = uniquePrefix();
      const coalesced = uniquePrefix();
      const ops = randomOps(seed, (n) => `${full}:${n}`, 40);
      const rename = (o: Op): Op => ({ ...o, key: o.key.replace(full, coalesced) });
      const fewer = coalesceOps(ops).map(rename);
      await store.apply(ops);
      await store.apply(fewer);
      const a = await stateOf(store, (n) => `${full}:${n}`);
      const b = await stateOf(store, (n) => `${coalesced}:${n}`);
      expect(b, `seed ${seed}: ${JSON.stringify(ops)}`).toEqual(a);
      before += ops.length;
      after += fewer.length;
    }
    // Not vacuous: the random lists repeat fields and TTLs, so a good share goes.
    expect(after / before).toBeLessThan(0.85);
  });

  it("a session's events of one batch: each field and TTL once, increments summed", () => {
    const ops: Op[] = [];
    for (let step = 1; step <= 3; step++)
      ops.push(
        { op: "hset", key: "st", field: "step", value: String(step) },
        { op: "hincr", key: "item", field: "imp", by: 1 },
        { op: "lpush", key: "rc", value: String(step), cap: 50 },
        { op: "expire", key: "st", seconds: 60 },
        { op: "expire", key: "rc", seconds: 60 },
      );
    expect(coalesceOps(ops)).toEqual([
      { op: "hincr", key: "item", field: "imp", by: 3 },
      { op: "lpush", key: "rc", value: "1", cap: 50 },
      { op: "lpush", key: "rc", value: "2", cap: 50 },
      { op: "hset", key: "st", field: "step", value: "3" },
      { op: "lpush", key: "rc", value: "3", cap: 50 },
      { op: "expire", key: "st", seconds: 60 },
      { op: "expire", key: "rc", seconds: 60 },
    ]);
  });

  it("an hset before the kept expire stays: it may be what creates the key", () => {
    const ops: Op[] = [
      { op: "hset", key: "k", field: "f", value: "1" },
      { op: "expire", key: "k", seconds: 60 },
      { op: "hset", key: "k", field: "f", value: "2" },
    ];
    expect(coalesceOps(ops)).toEqual(ops);
  });
});
