import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Op } from "../../src/state/ops.ts";
import type { ReadOp, Store } from "../../src/state/store.ts";
import { mulberry32 as prng } from "../../src/util/prng.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { ALL_STORE_KINDS, makeStore } from "../support/stores.ts";

// The catalogue's ops (sadd, srem, hdel, zrem) and reads (smismember, scard, srandmember):
// the same semantics on every store, and the two interpreters agree on random streams.

describe.each(ALL_STORE_KINDS)("catalogue ops and reads: %s", (kind) => {
  let store: Store;
  let prefix: string;
  const k = (name: string) => `${prefix}:{t}:${name}`;
  beforeEach(() => {
    prefix = uniquePrefix();
    store = makeStore(kind);
  });
  afterEach(async () => {
    await store.close();
  });

  it("sadd adds once, srem removes, and an emptied set is gone (EXPIRE on it is a no-op)", async () => {
    await store.apply([
      { op: "sadd", key: k("s"), member: "a" },
      { op: "sadd", key: k("s"), member: "b" },
      { op: "sadd", key: k("s"), member: "a" },
      { op: "srem", key: k("s"), member: "missing" },
      { op: "srem", key: k("none"), member: "x" },
    ]);
    expect(
      await store.read([
        { op: "smismember", key: k("s"), members: ["a", "b", "c"] },
        { op: "scard", key: k("s") },
        { op: "scard", key: k("none") },
        { op: "smismember", key: k("none"), members: ["a"] },
        { op: "smismember", key: k("s"), members: [] },
      ]),
    ).toEqual([[true, true, false], 2, 0, [false], []]);
    await store.apply([
      { op: "srem", key: k("s"), member: "a" },
      { op: "srem", key: k("s"), member: "b" },
      { op: "expire", key: k("s"), seconds: 1 },
      { op: "sadd", key: k("s"), member: "c" },
    ]);
    // The set was emptied (deleted) before EXPIRE, so the re-created one has no TTL.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await store.read([{ op: "smismember", key: k("s"), members: ["a", "c"] }])).toEqual([
      [false, true],
    ]);
  });

  it("srandmember gives min(n, size) distinct members of the set", async () => {
    const members = ["m1", "m2", "m3", "m4", "m5"];
    await store.apply(members.map((member): Op => ({ op: "sadd", key: k("s"), member })));
    const [all, three, none, missing] = (await store.read([
      { op: "srandmember", key: k("s"), n: 10 },
      { op: "srandmember", key: k("s"), n: 3 },
      { op: "srandmember", key: k("s"), n: 0 },
      { op: "srandmember", key: k("missing"), n: 5 },
    ])) as string[][];
    expect([...all!].sort()).toEqual(members);
    expect(three).toHaveLength(3);
    expect(new Set(three).size).toBe(3);
    for (const m of three!) expect(members).toContain(m);
    expect(none).toEqual([]);
    expect(missing).toEqual([]);
  });

  it("hdel removes fields; the last one removes the hash; zrem removes members likewise", async () => {
    await store.apply([
      { op: "hset", key: k("h"), field: "a", value: "1" },
      { op: "hset", key: k("h"), field: "b", value: "2" },
      { op: "zincr", key: k("z"), member: "x", by: 2, cap: 5 },
      { op: "zincr", key: k("z"), member: "y", by: 1, cap: 5 },
      { op: "hdel", key: k("h"), field: "a" },
      { op: "hdel", key: k("h"), field: "nope" },
      { op: "zrem", key: k("z"), member: "x" },
      { op: "zrem", key: k("z"), member: "nope" },
    ]);
    expect(
      await store.read([
        { op: "hgetall", key: k("h") },
        { op: "ztop", key: k("z"), n: 5 },
      ]),
    ).toEqual([{ b: "2" }, [["y", 1]]]);
    await store.apply([
      { op: "hdel", key: k("h"), field: "b" },
      { op: "zrem", key: k("z"), member: "y" },
      // Both keys are gone now: EXPIRE does nothing, and hincr starts a fresh hash.
      { op: "expire", key: k("h"), seconds: 1 },
      { op: "hincr", key: k("h"), field: "n", by: 1 },
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      await store.read([
        { op: "hgetall", key: k("h") },
        { op: "ztop", key: k("z"), n: 5 },
      ]),
    ).toEqual([{ n: "1" }, []]);
  });
});

/** mulberry32 */

describe("memory and Redis agree on random streams of catalogue ops", () => {
  it.each([3, 11, 2025])("seed %i", async (seed) => {
    const prefix = uniquePrefix();
    const k = (name: string) => `${prefix}:{t}:${name}`;
    const r = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const SETS = ["s1", "s2"];
    const HASHES = ["h1"];
    const ZSETS = ["z1"];
    const MEMBERS = ["a", "b", "c", "d", "Item 7", "x|y"];
    const ops: Op[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = pick([
        "sadd",
        "sadd",
        "srem",
        "hset",
        "hdel",
        "zincr",
        "zrem",
        "expire",
      ] as const);
      if (kind === "sadd" || kind === "srem")
        ops.push({ op: kind, key: k(pick(SETS)), member: pick(MEMBERS) });
      else if (kind === "hset")
        ops.push({ op: "hset", key: k(pick(HASHES)), field: pick(MEMBERS), value: String(i) });
      else if (kind === "hdel")
        ops.push({ op: "hdel", key: k(pick(HASHES)), field: pick(MEMBERS) });
      else if (kind === "zincr")
        ops.push({
          op: "zincr",
          key: k(pick(ZSETS)),
          member: pick(MEMBERS),
          by: 1 + (i % 3),
          cap: 4,
        });
      else if (kind === "zrem")
        ops.push({ op: "zrem", key: k(pick(ZSETS)), member: pick(MEMBERS) });
      else ops.push({ op: "expire", key: k(pick([...SETS, ...HASHES, ...ZSETS])), seconds: 3600 });
    }
    const reads: ReadOp[] = [
      ...SETS.map((s): ReadOp => ({ op: "smismember", key: k(s), members: MEMBERS })),
      ...SETS.map((s): ReadOp => ({ op: "scard", key: k(s) })),
      ...HASHES.map((h): ReadOp => ({ op: "hgetall", key: k(h) })),
      ...ZSETS.map((z): ReadOp => ({ op: "ztop", key: k(z), n: 10 })),
    ];
    const memory = makeStore("memory");
    const redis = makeStore("redis");
    try {
      for (let i = 0; i < ops.length; ) {
        const g = ops.slice(i, i + 1 + Math.floor(r() * 5));
        i += g.length;
        const m = await memory.applyAndRead(g, reads);
        const d = await redis.applyAndRead(g, reads);
        expect(d).toEqual(m);
      }
    } finally {
      await memory.close();
      await redis.close();
    }
  });
});
