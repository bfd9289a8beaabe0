import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Op,
  packSessionItem,
  parseSessionItem,
  SESSION_ITEM_TYPES,
} from "../../src/state/ops.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import type { ReadOp, ReadValue, Store } from "../../src/state/store.ts";
import { mulberry32 as prng } from "../../src/util/prng.ts";
import { collector } from "../support/collector.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { ALL_STORE_KINDS, makeStore } from "../support/stores.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Packed session-item counters, spelled out: n, first, last, then a count per item event type. */
function packed(n: number, first: number, last: number, byType: Record<number, number>): string {
  const types = Array.from({ length: SESSION_ITEM_TYPES }, (_, t) => byType[t] ?? 0);
  return packSessionItem({ n, first, last, byType: types });
}

describe.each(ALL_STORE_KINDS)("Store contract: %s", (kind) => {
  let store: Store;
  let prefix: string;
  const k = (name: string) => `${prefix}:${name}`;

  beforeEach(() => {
    prefix = uniquePrefix();
    store = makeStore(kind);
  });
  afterEach(async () => {
    await store.close();
  });

  const one = async (r: ReadOp): Promise<ReadValue> => {
    const [v] = await store.read([r]);
    return v!;
  };
  const hash = (key: string) => one({ op: "hgetall", key: k(key) });
  const top = (key: string, n = 100) => one({ op: "ztop", key: k(key), n });
  const list = (key: string, n = 100) => one({ op: "lrange", key: k(key), n });

  it("reports its kind and answers ping", async () => {
    expect(store.kind).toBe(kind);
    expect(await store.ping()).toBe(true);
  });

  describe("write ops", () => {
    it("hincr adds to a field (creating key and field), negative steps included", async () => {
      await store.apply([
        { op: "hincr", key: k("h"), field: "a", by: 2 },
        { op: "hincr", key: k("h"), field: "a", by: 3 },
        { op: "hincr", key: k("h"), field: "b", by: -4 },
      ]);
      await store.apply([{ op: "hincr", key: k("h"), field: "a", by: -1 }]);
      expect(await hash("h")).toEqual({ a: "4", b: "-4" });
    });

    it("hincr continues from a value set by hset", async () => {
      await store.apply([
        { op: "hset", key: k("h"), field: "n", value: "40" },
        { op: "hincr", key: k("h"), field: "n", by: 2 },
      ]);
      expect(await hash("h")).toEqual({ n: "42" });
    });

    it("hset sets and overwrites, keeping any string verbatim", async () => {
      await store.apply([
        { op: "hset", key: k("h"), field: "list", value: "a|b|c" },
        { op: "hset", key: k("h"), field: "city", value: "Köln, Germany" },
        { op: "hset", key: k("h"), field: "empty", value: "" },
        { op: "hset", key: k("h"), field: "x", value: "1" },
      ]);
      await store.apply([{ op: "hset", key: k("h"), field: "x", value: "2" }]);
      expect(await hash("h")).toEqual({ list: "a|b|c", city: "Köln, Germany", empty: "", x: "2" });
    });

    it("any string survives the packed op stream: separators, empty fields, an empty last field", async () => {
      // The Redis stores send a call's fields joined by 0x1f (encode-ops.ts), or one per
      // argument when a field holds that byte; both must arrive verbatim.
      await store.apply([
        { op: "hset", key: k("h"), field: "sep", value: "a\x1fb\x1f" },
        { op: "hset", key: k("h"), field: "\x1f", value: "" },
        { op: "hincr", key: k("h"), field: "n", by: 1 },
      ]);
      await store.apply([
        { op: "hset", key: k("h"), field: "", value: "x" },
        { op: "hincr", key: k("h"), field: "n", by: 2 },
        { op: "hset", key: k("h"), field: "last", value: "" },
      ]);
      expect(await hash("h")).toEqual({ sep: "a\x1fb\x1f", "\x1f": "", "": "x", n: "3", last: "" });
    });

    it("zincr accumulates exact doubles and trims to the cap, lowest first, ties by member", async () => {
      const z = (member: string, by: number, cap = 3): Op => ({
        op: "zincr",
        key: k("z"),
        member,
        by,
        cap,
      });
      await store.apply([z("a", 2), z("b", 1), z("c", 1)]);
      expect(await top("z")).toEqual([
        ["a", 2],
        ["c", 1],
        ["b", 1],
      ]);
      // A fourth member: b, c, d tie at 1 and the smallest member (b) goes.
      await store.apply([z("d", 1)]);
      expect(await top("z")).toEqual([
        ["a", 2],
        ["d", 1],
        ["c", 1],
      ]);
      await store.apply([z("c", 0.5), z("a", -0.25)]);
      expect(await top("z")).toEqual([
        ["a", 1.75],
        ["c", 1.5],
        ["d", 1],
      ]);
      // A newcomer below everything is trimmed at once.
      await store.apply([z("e", 0.5)]);
      expect(await one({ op: "zmscore", key: k("z"), members: ["e", "d"] })).toEqual([null, 1]);
      // A smaller cap trims down to it.
      await store.apply([z("c", 0, 2)]);
      expect(await top("z")).toEqual([
        ["a", 1.75],
        ["c", 1.5],
      ]);
      // Fractions add as IEEE doubles on both sides.
      await store.apply([z("f", 0.1, 10), z("f", 0.1, 10), z("f", 0.1, 10), z("g", 1 / 3, 10)]);
      expect(await one({ op: "zmscore", key: k("z"), members: ["f", "g"] })).toEqual([
        0.1 + 0.1 + 0.1,
        1 / 3,
      ]);
    });

    it("zmax keeps the highest score seen and trims to the cap", async () => {
      const m = (member: string, score: number, cap = 3): Op => ({
        op: "zmax",
        key: k("z"),
        member,
        score,
        cap,
      });
      await store.apply([m("a", 5)]);
      await store.apply([m("a", 3)]);
      expect(await top("z")).toEqual([["a", 5]]);
      await store.apply([m("a", 7), m("b", 7), m("c", 1)]);
      expect(await top("z")).toEqual([
        ["b", 7],
        ["a", 7],
        ["c", 1],
      ]);
      await store.apply([m("d", 2)]);
      expect(await top("z")).toEqual([
        ["b", 7],
        ["a", 7],
        ["d", 2],
      ]);
      // Millisecond timestamps survive exactly.
      await store.apply([m("t", 1_541_037_460_123, 10)]);
      expect(await one({ op: "zmscore", key: k("z"), members: ["t"] })).toEqual([
        1_541_037_460_123,
      ]);
    });

    it("lpush keeps the cap newest, newest first", async () => {
      for (const v of ["v1", "v2", "v3", "v4", "v5"]) {
        await store.apply([{ op: "lpush", key: k("l"), value: v, cap: 3 }]);
      }
      expect(await list("l")).toEqual(["v5", "v4", "v3"]);
      await store.apply([
        { op: "lpush", key: k("l"), value: "CLICKOUT|i1|6|1541037460000", cap: 4 },
        { op: "lpush", key: k("l"), value: "v7", cap: 2 },
      ]);
      expect(await list("l")).toEqual(["v7", "CLICKOUT|i1|6|1541037460000"]);
    });

    it("stouch counts touches by type and keeps first and the latest last step", async () => {
      const t = (item: string, type: number, step: number, cap = 3): Op => ({
        op: "stouch",
        key: k("s"),
        item,
        type,
        step,
        cap,
      });
      await store.apply([t("a", 0, 1)]);
      expect(await hash("s")).toEqual({ a: "1,1,1,1,0,0,0,0,0,0,0,0" });
      await store.apply([t("a", 2, 3)]);
      // An older step counts but never moves `last` back.
      await store.apply([t("a", 2, 2)]);
      await store.apply([t("b", 8, 4)]);
      expect(await hash("s")).toEqual({
        a: packed(3, 1, 3, { 0: 1, 2: 2 }),
        b: packed(1, 4, 4, { 8: 1 }),
      });
      expect(parseSessionItem(((await hash("s")) as Record<string, string>).a!)).toEqual({
        n: 3,
        first: 1,
        last: 3,
        byType: [1, 0, 2, 0, 0, 0, 0, 0, 0],
      });
    });

    it("stouch evicts the least recently touched item when a new one exceeds the cap", async () => {
      const t = (item: string, type: number, step: number): Op => ({
        op: "stouch",
        key: k("s"),
        item,
        type,
        step,
        cap: 3,
      });
      await store.apply([t("a", 0, 3), t("b", 1, 4), t("c", 1, 5)]);
      // Touching an item already held never evicts.
      await store.apply([t("a", 0, 6)]);
      expect(Object.keys((await hash("s")) as Record<string, string>).sort()).toEqual([
        "a",
        "b",
        "c",
      ]);
      // b (last 4) is now the oldest: a new item evicts it.
      await store.apply([t("d", 5, 7)]);
      expect(await hash("s")).toEqual({
        a: packed(2, 3, 6, { 0: 2 }),
        c: packed(1, 5, 5, { 1: 1 }),
        d: packed(1, 7, 7, { 5: 1 }),
      });
    });

    it("stouch eviction breaks a tie of last steps by the smaller id", async () => {
      const t = (item: string, step: number, cap = 2): Op => ({
        op: "stouch",
        key: k("s"),
        item,
        type: 0,
        step,
        cap,
      });
      await store.apply([t("m", 5), t("k", 5)]);
      await store.apply([t("z", 6)]);
      expect(Object.keys((await hash("s")) as Record<string, string>).sort()).toEqual(["m", "z"]);
      // With cap 1 every new item replaces the one held.
      const t1 = (item: string, step: number): Op => ({
        op: "stouch",
        key: k("s1"),
        item,
        type: 4,
        step,
        cap: 1,
      });
      await store.apply([t1("q", 1)]);
      await store.apply([t1("p", 2)]);
      expect(await hash("s1")).toEqual({ p: packed(1, 2, 2, { 4: 1 }) });
    });

    it("expire drops keys after their TTL; on a missing key it does nothing; publish state expires too", async () => {
      await store.apply([
        { op: "hset", key: k("gone"), field: "f", value: "1" },
        { op: "expire", key: k("gone"), seconds: 1 },
        { op: "lpush", key: k("gone-list"), value: "x", cap: 5 },
        { op: "expire", key: k("gone-list"), seconds: 1 },
        // EXPIRE before the key exists is a no-op: the key created after it has no TTL.
        { op: "expire", key: k("late"), seconds: 1 },
        { op: "hset", key: k("late"), field: "f", value: "1" },
        { op: "hset", key: k("long"), field: "f", value: "1" },
        { op: "expire", key: k("long"), seconds: 100 },
      ]);
      const pub = {
        publishedKey: k("{s}:pub"),
        versionField: "v",
        orderField: "order",
        channel: k("{s}:ch"),
        order: "a|b",
        ttlSeconds: 1,
        payload: { head: "", tail: "" },
      };
      expect(await store.publishIfChanged(pub)).toEqual({ published: true, version: 1 });
      expect(await hash("gone")).toEqual({ f: "1" });
      expect(await list("gone-list")).toEqual(["x"]);

      await sleep(1200);

      expect(await hash("gone")).toEqual({});
      expect(await list("gone-list")).toEqual([]);
      expect(await hash("late")).toEqual({ f: "1" });
      expect(await hash("long")).toEqual({ f: "1" });
      expect(await hash("{s}:pub")).toEqual({});
      expect(await store.deleteKeys([k("gone"), k("gone-list")])).toBe(0);
      // The published state expired, so the same order is news again and numbering restarts.
      expect(await store.publishIfChanged(pub)).toEqual({ published: true, version: 1 });
    });
  });

  describe("read ops", () => {
    beforeEach(async () => {
      await store.apply([
        { op: "hset", key: k("h"), field: "a", value: "1" },
        { op: "hset", key: k("h"), field: "b", value: "two" },
        { op: "zincr", key: k("z"), member: "x", by: 3, cap: 10 },
        { op: "zincr", key: k("z"), member: "y", by: 1.5, cap: 10 },
        { op: "zincr", key: k("z"), member: "b", by: 1, cap: 10 },
        { op: "zincr", key: k("z"), member: "a", by: 1, cap: 10 },
        { op: "zincr", key: k("z"), member: "c", by: 1, cap: 10 },
        { op: "lpush", key: k("l"), value: "1", cap: 10 },
        { op: "lpush", key: k("l"), value: "2", cap: 10 },
        { op: "lpush", key: k("l"), value: "3", cap: 10 },
      ]);
    });

    it("hgetall returns the whole hash, {} for a missing key", async () => {
      expect(
        await store.read([
          { op: "hgetall", key: k("h") },
          { op: "hgetall", key: k("missing") },
        ]),
      ).toEqual([{ a: "1", b: "two" }, {}]);
    });

    it("hmget returns values in field order, null for missing fields and keys, [] for no fields", async () => {
      expect(
        await store.read([
          { op: "hmget", key: k("h"), fields: ["b", "nope", "a"] },
          { op: "hmget", key: k("missing"), fields: ["a", "b"] },
          { op: "hmget", key: k("h"), fields: [] },
        ]),
      ).toEqual([["two", null, "1"], [null, null], []]);
    });

    it("zmscore returns numbers in member order, null for missing members and keys, [] for none", async () => {
      expect(
        await store.read([
          { op: "zmscore", key: k("z"), members: ["y", "nope", "x"] },
          { op: "zmscore", key: k("missing"), members: ["x"] },
          { op: "zmscore", key: k("z"), members: [] },
        ]),
      ).toEqual([[1.5, null, 3], [null], []]);
    });

    it("ztop returns the n best, score descending, ties by member descending", async () => {
      expect(await top("z", 10)).toEqual([
        ["x", 3],
        ["y", 1.5],
        ["c", 1],
        ["b", 1],
        ["a", 1],
      ]);
      expect(await top("z", 3)).toEqual([
        ["x", 3],
        ["y", 1.5],
        ["c", 1],
      ]);
      expect(await top("z", 1)).toEqual([["x", 3]]);
      expect(await top("z", 0)).toEqual([]);
      expect(await top("missing", 5)).toEqual([]);
    });

    it("lrange returns the n newest entries, head first", async () => {
      expect(await list("l", 10)).toEqual(["3", "2", "1"]);
      expect(await list("l", 2)).toEqual(["3", "2"]);
      expect(await list("l", 0)).toEqual([]);
      expect(await list("missing", 5)).toEqual([]);
    });

    it("a read batch answers every read in order, and an empty batch gives []", async () => {
      expect(await store.read([])).toEqual([]);
      expect(
        await store.read([
          { op: "lrange", key: k("l"), n: 1 },
          { op: "hmget", key: k("h"), fields: [] },
          { op: "ztop", key: k("z"), n: 1 },
          { op: "zmscore", key: k("z"), members: [] },
          { op: "hmget", key: k("h"), fields: ["a"] },
        ]),
      ).toEqual([["3"], [], [["x", 3]], [], ["1"]]);
    });
  });

  describe("batching", () => {
    it("applyAndRead applies the ops first, so the reads see them", async () => {
      await store.apply([{ op: "hincr", key: k("h"), field: "n", by: 1 }]);
      const got = await store.applyAndRead(
        [
          { op: "hincr", key: k("h"), field: "n", by: 1 },
          { op: "zincr", key: k("z"), member: "a", by: 2, cap: 5 },
          { op: "lpush", key: k("l"), value: "e1", cap: 5 },
          { op: "stouch", key: k("s"), item: "i", type: 3, step: 9, cap: 5 },
        ],
        [
          { op: "hgetall", key: k("h") },
          { op: "ztop", key: k("z"), n: 5 },
          { op: "lrange", key: k("l"), n: 5 },
          { op: "hmget", key: k("s"), fields: ["i"] },
          { op: "zmscore", key: k("z"), members: ["a"] },
        ],
      );
      expect(got).toEqual([{ n: "2" }, [["a", 2]], ["e1"], [packed(1, 9, 9, { 3: 1 })], [2]]);
      // No ops: a plain read. No reads: the ops still apply.
      expect(await store.applyAndRead([], [{ op: "hgetall", key: k("h") }])).toEqual([{ n: "2" }]);
      expect(
        await store.applyAndRead([{ op: "hincr", key: k("h"), field: "n", by: 5 }], []),
      ).toEqual([]);
      expect(await hash("h")).toEqual({ n: "7" });
    });

    it("applyMany applies the groups in order (empty groups allowed)", async () => {
      await store.applyMany([
        [
          { op: "hset", key: k("h"), field: "f", value: "1" },
          { op: "lpush", key: k("l"), value: "a", cap: 10 },
        ],
        [],
        [
          { op: "hset", key: k("h"), field: "f", value: "2" },
          { op: "lpush", key: k("l"), value: "b", cap: 10 },
          { op: "zmax", key: k("z"), member: "m", score: 5, cap: 10 },
        ],
        [{ op: "hincr", key: k("h"), field: "n", by: 1 }],
        [{ op: "hincr", key: k("h"), field: "n", by: 1 }],
        [{ op: "zmax", key: k("z"), member: "m", score: 4, cap: 10 }],
        [{ op: "lpush", key: k("l"), value: "c", cap: 2 }],
      ]);
      expect(await hash("h")).toEqual({ f: "2", n: "2" });
      expect(await list("l")).toEqual(["c", "b"]);
      expect(await top("z")).toEqual([["m", 5]]);
      await store.applyMany([]);
      await store.applyMany([[], []]);
      await store.apply([]);
      expect(await hash("h")).toEqual({ f: "2", n: "2" });
    });
  });

  describe("publishing", () => {
    it("publishIfChanged numbers changed orders, skips unchanged ones, delivers head+version+tail", async () => {
      const got = collector();
      const unsubscribe = await store.subscribe(k("{s}:ch"), got.handler);
      const req = (order: string) => ({
        publishedKey: k("{s}:pub"),
        versionField: "v",
        orderField: "order",
        channel: k("{s}:ch"),
        order,
        ttlSeconds: 60,
        payload: { head: `{"order":"${order}","version":`, tail: `,"x":"\u00e9|{}"}` },
      });

      expect(await store.publishIfChanged(req("a|b|c"))).toEqual({ published: true, version: 1 });
      expect(await got.next()).toBe(`{"order":"a|b|c","version":1,"x":"\u00e9|{}"}`);
      expect(await hash("{s}:pub")).toEqual({ v: "1", order: "a|b|c" });

      expect(await store.publishIfChanged(req("a|b|c"))).toEqual({ published: false, version: 1 });
      expect(await hash("{s}:pub")).toEqual({ v: "1", order: "a|b|c" });

      expect(await store.publishIfChanged(req("b|a|c"))).toEqual({ published: true, version: 2 });
      // Channels deliver in order: had the unchanged order been published, it would come first.
      expect(await got.next()).toBe(`{"order":"b|a|c","version":2,"x":"\u00e9|{}"}`);
      expect(await hash("{s}:pub")).toEqual({ v: "2", order: "b|a|c" });
      expect(got.messages).toHaveLength(2);

      // Without a payload a changed order is numbered and nothing is sent.
      expect(await store.publishIfChanged({ ...req("c|b|a"), payload: undefined })).toEqual({
        published: true,
        version: 3,
      });
      expect(await hash("{s}:pub")).toEqual({ v: "3", order: "c|b|a" });
      expect(await store.publishIfChanged(req("a|c|b"))).toEqual({ published: true, version: 4 });
      // The next message is version 4: version 3 was never sent.
      expect(await got.next()).toBe(`{"order":"a|c|b","version":4,"x":"\u00e9|{}"}`);
      expect(got.messages).toHaveLength(3);
      await unsubscribe();
    });

    it("publishIfChanged keeps its fields beside the others of a hash (the session's state)", async () => {
      await store.apply([{ op: "hset", key: k("{s2}:st"), field: "step", value: "3" }]);
      const req = (order: string, versionField: string, orderField: string) => ({
        publishedKey: k("{s2}:st"),
        versionField,
        orderField,
        channel: k("{s2}:ch"),
        order,
        ttlSeconds: 60,
        payload: { head: "", tail: "" },
      });
      // A second numbering in the same hash (sv, so) counts on its own.
      const steps: [
        order: string,
        fields: [string, string],
        published: boolean,
        version: number,
      ][] = [
        ["x", ["pv", "po"], true, 1],
        ["x", ["sv", "so"], true, 1],
        ["y", ["pv", "po"], true, 2],
        ["x", ["sv", "so"], false, 1],
      ];
      for (const [order, [v, o], published, version] of steps)
        expect(await store.publishIfChanged(req(order, v, o))).toEqual({ published, version });
      expect(await hash("{s2}:st")).toEqual({ step: "3", pv: "2", po: "y", sv: "1", so: "x" });
    });

    it("subscriptions are shared per channel and dropped when the last subscriber leaves", async () => {
      const a1 = collector();
      const a2 = collector();
      const b = collector();
      expect(store.subscriptionCount()).toBe(0);
      const offA1 = await store.subscribe(k("{chA}"), a1.handler);
      const offA2 = await store.subscribe(k("{chA}"), a2.handler);
      expect(store.subscriptionCount()).toBe(1);
      const offB = await store.subscribe(k("{chB}"), b.handler);
      expect(store.subscriptionCount()).toBe(2);

      const publish = (channel: string, order: string) =>
        store.publishIfChanged({
          // The published state and its channel share a hash tag (one slot on a cluster).
          publishedKey: k(`{${channel}}:pub`),
          versionField: "v",
          orderField: "order",
          channel: k(`{${channel}}`),
          order,
          ttlSeconds: 60,
          payload: { head: `${order}#`, tail: "" },
        });

      await publish("chA", "one");
      expect(await a1.next()).toBe("one#1");
      expect(await a2.next()).toBe("one#1");

      await offA1();
      await offA1(); // idempotent
      expect(store.subscriptionCount()).toBe(2);
      await publish("chA", "two");
      expect(await a2.next()).toBe("two#2");
      await publish("chB", "three");
      expect(await b.next()).toBe("three#1");
      expect(a1.messages).toEqual(["one#1"]);

      await offA2();
      expect(store.subscriptionCount()).toBe(1);
      if (store instanceof RedisStore) {
        const numsub = (await store.client.call("PUBSUB", "NUMSUB", k("{chA}"), k("{chB}"))) as (
          | string
          | number
        )[];
        expect(numsub.map(String)).toEqual([k("{chA}"), "0", k("{chB}"), "1"]);
      }
      await offB();
      expect(store.subscriptionCount()).toBe(0);

      // Resubscribing after the subscription was dropped works again.
      const again = collector();
      const offAgain = await store.subscribe(k("{chA}"), again.handler);
      expect(store.subscriptionCount()).toBe(1);
      await publish("chA", "four");
      expect(await again.next()).toBe("four#3");
      await offAgain();
      expect(store.subscriptionCount()).toBe(0);
      expect(a2.messages).toEqual(["one#1", "two#2"]);
    });
  });

  it("deleteKeys deletes keys of any type and counts the ones that existed", async () => {
    await store.apply([
      { op: "hset", key: k("h"), field: "f", value: "1" },
      { op: "zincr", key: k("z"), member: "m", by: 1, cap: 5 },
      { op: "lpush", key: k("l"), value: "v", cap: 5 },
      { op: "hset", key: k("keep"), field: "f", value: "1" },
    ]);
    expect(await store.deleteKeys([k("h"), k("z"), k("missing"), k("l"), k("h")])).toBe(3);
    expect(
      await store.read([
        { op: "hgetall", key: k("h") },
        { op: "ztop", key: k("z"), n: 5 },
        { op: "lrange", key: k("l"), n: 5 },
        { op: "hgetall", key: k("keep") },
      ]),
    ).toEqual([{}, [], [], { f: "1" }]);
    expect(await store.deleteKeys([])).toBe(0);
    expect(await store.deleteKeys([k("h")])).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// The two interpreters of the ops (lua/apply-ops.lua and ops.ts applyOps) on the same
// random op stream must leave the same data, and answer the same reads on the way.

const HASHES = ["h1", "h2"];
const ZSETS = ["z1", "z2", "z3"];
const LISTS = ["l1", "l2"];
const SITEMS = ["s1", "s2"];
const FIELDS = ["f0", "f1", "f2", "f3"];
// Mixed case and punctuation: zset ties are ordered by member bytes on both sides.
const MEMBERS = ["a", "B", "b", "m10", "m2", "_x", "Z", "item-7"];
// Session items stay lowercase letters: eviction ties are then the same under any
// collation (the Lua script compares ids with `<`, which follows the server's locale).
const SITEM_IDS = ["a", "b", "c", "d", "e", "f"];
const INCREMENTS = [1, 2, 3, 0.5, 0.25, 1 / 3, -1];

function randomOps(seed: number, count: number, prefix: string): Op[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const k = (name: string) => `${prefix}:${name}`;
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const kind = pick([
      "hincr",
      "hset",
      "zincr",
      "zincr",
      "zmax",
      "lpush",
      "stouch",
      "stouch",
      "expire",
    ] as const);
    switch (kind) {
      case "hincr":
        ops.push({ op: "hincr", key: k(pick(HASHES)), field: pick(FIELDS), by: int(-3, 5) });
        break;
      case "hset":
        ops.push({
          op: "hset",
          key: k(pick(HASHES)),
          field: pick(FIELDS),
          value: String(int(-5, 20)),
        });
        break;
      case "zincr":
        ops.push({
          op: "zincr",
          key: k(pick(ZSETS)),
          member: pick(MEMBERS),
          by: pick(INCREMENTS),
          cap: int(2, 6),
        });
        break;
      case "zmax":
        ops.push({
          op: "zmax",
          key: k(pick(ZSETS)),
          member: pick(MEMBERS),
          score: r() < 0.5 ? int(0, 8) : int(0, 80) / 8,
          cap: int(2, 6),
        });
        break;
      case "lpush":
        ops.push({ op: "lpush", key: k(pick(LISTS)), value: `v${i}|${int(0, 9)}`, cap: int(1, 6) });
        break;
      case "stouch":
        ops.push({
          op: "stouch",
          key: k(pick(SITEMS)),
          item: pick(SITEM_IDS),
          type: int(0, 8),
          step: int(1, 30),
          cap: int(2, 4),
        });
        break;
      case "expire":
        // Long enough never to fire during the test: this checks the encoding and no-ops.
        ops.push({
          op: "expire",
          key: k(pick([...HASHES, ...ZSETS, ...LISTS, ...SITEMS])),
          seconds: 3600,
        });
        break;
    }
  }
  return ops;
}

/** Every key's whole content: hashes, zsets (with scores, in rank order), lists. */
function wholeReads(prefix: string): ReadOp[] {
  const k = (name: string) => `${prefix}:${name}`;
  return [
    ...HASHES.map((h): ReadOp => ({ op: "hgetall", key: k(h) })),
    ...ZSETS.map((z): ReadOp => ({ op: "ztop", key: k(z), n: 100 })),
    ...LISTS.map((l): ReadOp => ({ op: "lrange", key: k(l), n: 100 })),
    ...SITEMS.map((s): ReadOp => ({ op: "hgetall", key: k(s) })),
  ];
}

/** The whole content plus the point reads, so every ReadOp is compared too. */
function dumpReads(prefix: string): ReadOp[] {
  const k = (name: string) => `${prefix}:${name}`;
  return [
    ...wholeReads(prefix),
    ...HASHES.map((h): ReadOp => ({ op: "hmget", key: k(h), fields: FIELDS })),
    ...ZSETS.map((z): ReadOp => ({ op: "zmscore", key: k(z), members: MEMBERS })),
    ...ZSETS.map((z): ReadOp => ({ op: "ztop", key: k(z), n: 2 })),
    ...LISTS.map((l): ReadOp => ({ op: "lrange", key: k(l), n: 2 })),
  ];
}

describe.each(["redis", "cluster"] as const)(
  "memory and %s interpret the same random op stream identically",
  (other) => {
    it.each([1, 7, 2024])("seed %i", async (seed) => {
      const prefix = uniquePrefix();
      const memory = makeStore("memory");
      const redis = makeStore(other);
      try {
        const ops = randomOps(seed, 400, prefix);
        const r = prng(seed ^ 0x5eed);
        let i = 0;
        let checkpoints = 0;
        while (i < ops.length) {
          const mode = r();
          if (mode < 0.4) {
            const g = ops.slice(i, i + 1 + Math.floor(r() * 6));
            i += g.length;
            await memory.apply(g);
            await redis.apply(g);
          } else if (mode < 0.7) {
            const groups: Op[][] = [];
            for (let n = 1 + Math.floor(r() * 4); n > 0 && i < ops.length; n--) {
              const g = ops.slice(i, i + Math.floor(r() * 5));
              i += g.length;
              groups.push(g);
            }
            await memory.applyMany(groups);
            await redis.applyMany(groups);
          } else {
            // Read everything in the same round trip as the writes, and compare on the way.
            const g = ops.slice(i, i + 1 + Math.floor(r() * 6));
            i += g.length;
            const reads = dumpReads(prefix);
            const m = await memory.applyAndRead(g, reads);
            const d = await redis.applyAndRead(g, reads);
            expect(d).toEqual(m);
            checkpoints++;
          }
        }
        expect(checkpoints).toBeGreaterThan(5);
        const finalMemory = await memory.read(dumpReads(prefix));
        const finalRedis = await redis.read(dumpReads(prefix));
        expect(finalRedis).toEqual(finalMemory);
        // The stream really filled every key (no vacuous comparison), within the caps it used.
        const whole = await memory.read(wholeReads(prefix));
        for (const v of whole) {
          const size = Array.isArray(v) ? v.length : Object.keys(v).length;
          expect(size).toBeGreaterThan(0);
          expect(size).toBeLessThanOrEqual(6);
        }
      } finally {
        await memory.close();
        await redis.close();
      }
    });
  },
);
