import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  all,
  constant,
  hgetall,
  hmget,
  hmgetEach,
  lrange,
  map,
  runPlan,
  smismember,
  struct,
  zmscore,
  ztop,
} from "../../src/state/read-plan.ts";
import type { Store } from "../../src/state/store.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { ALL_STORE_KINDS, makeStore } from "../support/stores.ts";

describe.each(ALL_STORE_KINDS)("read plans: %s", (kind) => {
  let store: Store;
  let p: string;
  beforeEach(() => {
    p = uniquePrefix();
    store = makeStore(kind);
  });
  afterEach(() => store.close());

  it("each part of a composed plan gets its own values, whatever the other parts read", async () => {
    const k = (n: string) => `${p}:{t}:${n}`;
    await store.apply([
      { op: "hset", key: k("h"), field: "a", value: "1" },
      { op: "hset", key: k("h2"), field: "b", value: "2" },
      { op: "zincr", key: k("z"), member: "x", by: 3, cap: 10 },
      { op: "lpush", key: k("l"), value: "v", cap: 10 },
      { op: "sadd", key: k("s"), member: "x" },
    ]);
    // Parts of different sizes, empty ones and ones that read nothing, in any order.
    const plan = struct({
      none: all([]),
      hashes: hmgetEach([k("h"), k("h2"), k("missing")], ["a", "b"]),
      fixed: constant("kept"),
      scores: all([zmscore(k("z"), ["x", "y"]), zmscore(k("z"), [])]),
      nested: struct({ list: lrange(k("l"), 5), top: ztop(k("z"), 1) }),
      whole: map(hgetall(k("h2")), (h) => Object.keys(h)),
      members: smismember(k("s"), ["y", "x"]),
      field: hmget(k("h"), ["a"]),
    });
    expect(plan.reads).toHaveLength(10);
    const v = await runPlan(store, plan);
    expect(v).toEqual({
      none: [],
      hashes: [
        ["1", null],
        [null, "2"],
        [null, null],
      ],
      fixed: "kept",
      scores: [[3, null], []],
      nested: { list: ["v"], top: [["x", 3]] },
      whole: ["b"],
      members: [false, true],
      field: ["1"],
    });
    // The same plan after writes, in one round trip: the reads see them.
    const after = await runPlan(store, plan, [{ op: "hset", key: k("h"), field: "b", value: "9" }]);
    expect(after.hashes[0]).toEqual(["1", "9"]);
  });

  it("a store answering fewer values than reads is an error, not a shifted result", async () => {
    const short: Store = { ...store, read: async () => [] } as Store;
    await expect(runPlan(short, all([hgetall(`${p}:a`), hgetall(`${p}:b`)]))).rejects.toThrow(
      /answered 0 reads of 2/,
    );
  });
});
