import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Op } from "../../src/state/ops.ts";
import type { Store } from "../../src/state/store.ts";
import { sessionEvents } from "../support/events.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { makeEngine, makeStore, STORE_KINDS, type TestEngine } from "../support/stores.ts";

/** The guard op (apply-ops.lua `g`, applyOps "guard") behaves the same on every store. */
describe.each(STORE_KINDS)("idempotency guard op: %s", (kind) => {
  let store: Store;
  let prefix: string;
  const k = (name: string) => `${prefix}:{s:x}:${name}`;
  const guard = (member: string, now: number, ttlMs = 10_000, cap = 3): Op => ({
    op: "guard",
    key: k("ev"),
    member,
    now,
    ttlMs,
    cap,
  });
  const incr: Op = { op: "hincr", key: "", field: "n", by: 1 };
  const count = async () => {
    const [h] = await store.read([{ op: "hgetall", key: k("st") }]);
    return Number((h as Record<string, string>).n ?? 0);
  };
  const ids = async () => {
    const [top] = await store.read([{ op: "ztop", key: k("ev"), n: 100 }]);
    return (top as [string, number][]).map(([m, s]) => `${m}@${s}`).sort();
  };

  beforeEach(() => {
    prefix = uniquePrefix();
    store = makeStore(kind);
  });
  afterEach(() => store.close());

  it("applies an event once within its window; nothing of a duplicate is written", async () => {
    const ops = (now: number) => [guard("e1", now), { ...incr, key: k("st") }];
    expect(await store.apply(ops(1_000))).toBe(true);
    expect(await store.apply(ops(5_000))).toBe(false);
    expect(await count()).toBe(1);
    expect(await ids()).toEqual(["e1@11000"]);
    // After the window the id is forgotten: the same id counts again.
    expect(await store.apply(ops(11_000))).toBe(true);
    expect(await count()).toBe(2);
  });

  it("checks a guard placed after other ops before writing any of them", async () => {
    expect(await store.apply([{ ...incr, key: k("st") }, guard("e1", 1_000)])).toBe(true);
    expect(await store.apply([{ ...incr, key: k("st") }, guard("e1", 2_000)])).toBe(false);
    expect(await count()).toBe(1);
  });

  it("drops ids whose window ended and keeps the cap latest-ending ids", async () => {
    for (const [m, now] of [
      ["a", 1_000],
      ["b", 2_000],
      ["c", 3_000],
      ["d", 4_000],
    ] as const)
      await store.apply([guard(m, now)]);
    expect(await ids()).toEqual(["b@12000", "c@13000", "d@14000"]);
    await store.apply([guard("e", 12_500)]); // a and b ended by now
    expect(await ids()).toEqual(["c@13000", "d@14000", "e@22500"]);
    // An id evicted by the cap is no longer a duplicate (the documented bound).
    expect(await store.apply([guard("b", 12_600)])).toBe(true);
  });

  it("agrees with the other store on random guarded sequences (Lua and applyOps)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom("a", "b", "c", "d", "e"), fc.integer({ min: 0, max: 3_000 })),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (steps) => {
          prefix = uniquePrefix();
          let now = 1_000;
          const outcomes: boolean[] = [];
          for (const [m, dt] of steps) {
            now += dt;
            outcomes.push(await store.apply([guard(m, now, 5_000, 3), { ...incr, key: k("st") }]));
          }
          // The reference: the same rules spelled out.
          const held = new Map<string, number>();
          let t = 1_000;
          let n = 0;
          const want: boolean[] = [];
          for (const [m, dt] of steps) {
            t += dt;
            const until = held.get(m);
            if (until !== undefined && until > t) {
              want.push(false);
              continue;
            }
            for (const [x, u] of held) if (u <= t) held.delete(x);
            held.set(m, t + 5_000);
            const sorted = [...held.entries()].sort(
              (p, q) => p[1] - q[1] || (p[0] < q[0] ? -1 : 1),
            );
            while (sorted.length > 3) held.delete(sorted.shift()![0]);
            n++;
            want.push(true);
          }
          expect(outcomes).toEqual(want);
          expect(await count()).toBe(n);
        },
      ),
      { numRuns: kind === "memory" ? 200 : 60 },
    );
  });
});

describe.each(STORE_KINDS)("Engine: retried events are applied once: %s", (kind) => {
  let t: TestEngine;
  beforeEach(() => {
    t = makeEngine(kind);
  });
  afterEach(() => t.close());

  it("track: a retry returns duplicate, writes nothing and publishes nothing", async () => {
    const s = sessionEvents("s1");
    const e = { ...s.item("CLICKOUT", "i1"), eventId: "ev-1" } as Parameters<
      typeof t.engine.track
    >[0];
    const first = await t.engine.track(e);
    const before = await t.engine.snapshot("s1");
    const again = await t.engine.track(e);
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, published: false, step: first.step });
    const after = await t.engine.snapshot("s1");
    expect(after.raw).toEqual(before.raw);
    const [item] = await t.store.read([{ op: "hgetall", key: t.keys.item("i1") }]);
    expect((item as Record<string, string>).clk).toBe("1");
  });

  it("trackBatch: retries inside a batch and of a whole batch are skipped; later events follow on", async () => {
    const s = sessionEvents("s2");
    const ev = (id: string, item: string) =>
      ({ ...s.item("ITEM_IMAGE", item), eventId: id }) as Parameters<typeof t.engine.track>[0];
    const batch = [ev("a", "i1"), ev("b", "i2"), ev("a", "i1"), ev("c", "i3")];
    const r1 = await t.engine.trackBatch(batch);
    expect(r1.duplicates).toBe(1);
    expect((await t.engine.snapshot("s2")).step).toBe(3);
    const r2 = await t.engine.trackBatch(batch);
    expect(r2.duplicates).toBe(4);
    const snap = await t.engine.snapshot("s2");
    expect(snap.step).toBe(3);
    expect(snap.raw.recent.map((r) => r.split("|")[2])).toEqual(["3", "2", "1"]);
  });

  it("IDEMPOTENCY_WINDOW_SECONDS=0 switches the guard off", async () => {
    const off = makeEngine(kind, { IDEMPOTENCY_WINDOW_SECONDS: 0 });
    try {
      const e = { ...sessionEvents("s3").item("CLICKOUT", "i1"), eventId: "x" } as Parameters<
        typeof t.engine.track
      >[0];
      await off.engine.track(e);
      const again = await off.engine.track(e);
      expect(again.duplicate).toBeUndefined();
      expect((await off.engine.snapshot("s3")).step).toBe(2);
    } finally {
      await off.close();
    }
  });
});
