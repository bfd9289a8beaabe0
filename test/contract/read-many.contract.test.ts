import { afterEach, describe, expect, it } from "vitest";
import type { Op } from "../../src/state/ops.ts";
import type { ReadOp, Store } from "../../src/state/store.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { ALL_STORE_KINDS, makeStore } from "../support/stores.ts";

/**
 * A batch of many reads (the single-node Redis store answers it with one read-many script
 * call) must give exactly what the same reads give one at a time, on every store.
 */
describe.each(ALL_STORE_KINDS)("many reads in one batch (%s)", (kind) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it("answers every kind of read as single reads do, empty reads included", async () => {
    store = makeStore(kind);
    const p = uniquePrefix();
    const h = `${p}:{x}:h`;
    const z = `${p}:{x}:z`;
    const l = `${p}:{x}:l`;
    const s = `${p}:{x}:s`;
    const ops: Op[] = [
      { op: "hset", key: h, field: "a", value: "1" },
      { op: "hincr", key: h, field: "b", by: 2 },
      { op: "zincr", key: z, member: "m1", by: 1.5, cap: 10 },
      { op: "zincr", key: z, member: "m2", by: 3, cap: 10 },
      { op: "zincr", key: z, member: "m3", by: 3, cap: 10 },
      { op: "lpush", key: l, value: "x", cap: 5 },
      { op: "lpush", key: l, value: "y", cap: 5 },
      { op: "sadd", key: s, member: "p" },
    ];
    await store.apply(ops);
    const reads: ReadOp[] = [
      { op: "hgetall", key: h },
      { op: "hgetall", key: `${p}:{x}:missing` },
      { op: "hmget", key: h, fields: ["a", "zz", "b"] },
      { op: "hmget", key: h, fields: [] },
      { op: "zmscore", key: z, members: ["m2", "nope", "m1"] },
      { op: "zmscore", key: z, members: [] },
      { op: "ztop", key: z, n: 2 },
      { op: "ztop", key: z, n: 0 },
      { op: "lrange", key: l, n: 10 },
      { op: "smismember", key: s, members: ["p", "q"] },
      { op: "scard", key: s },
      { op: "scard", key: `${p}:{x}:none` },
    ];
    const together = await store.read(reads);
    const alone = [];
    for (const r of reads) alone.push((await store.read([r]))[0]);
    expect(together).toEqual(alone);
    expect(together).toEqual([
      { a: "1", b: "2" },
      {},
      ["1", null, "2"],
      [],
      [3, null, 1.5],
      [],
      [
        ["m3", 3],
        ["m2", 3],
      ],
      [],
      ["y", "x"],
      [true, false],
      1,
      0,
    ]);
    // And after writes in the same round trip, the reads see them.
    const after = await store.applyAndRead(
      [{ op: "hincr", key: h, field: "b", by: 1 }],
      reads.slice(0, 6),
    );
    expect(after[0]).toEqual({ a: "1", b: "3" });
  });

  it("a field holding the packing separator is read verbatim (the batch then goes unpacked)", async () => {
    store = makeStore(kind);
    const p = uniquePrefix();
    const h = `${p}:{x}:h`;
    await store.apply([
      { op: "hset", key: h, field: "a\x1fb", value: "v\x1f" },
      { op: "hset", key: h, field: "c", value: "" },
    ]);
    const reads: ReadOp[] = [
      { op: "hmget", key: h, fields: ["a\x1fb", "c", "d"] },
      { op: "hgetall", key: h },
      { op: "hmget", key: h, fields: ["c"] },
      { op: "lrange", key: `${p}:{x}:l`, n: 3 },
      { op: "hmget", key: h, fields: ["c", "a\x1fb"] },
    ];
    expect(await store.read(reads)).toEqual([
      ["v\x1f", "", null],
      { "a\x1fb": "v\x1f", c: "" },
      [""],
      [],
      ["", "v\x1f"],
    ]);
  });
});
