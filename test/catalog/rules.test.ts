import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/catalog.ts";
import { defaultConfig } from "../../src/config.ts";
import type { SessionEvent } from "../../src/domain/event-type.ts";
import { validateEvent } from "../../src/domain/validate-event.ts";
import { FEATURE_COUNT, FEATURE_INDEX } from "../../src/features/vector/names.ts";
import { type RawRules, validateRules } from "../../src/recommend/rules.ts";
import { makeEngine, STORE_KINDS, type TestEngine } from "../support/stores.ts";

const config = defaultConfig();
const T0 = Date.UTC(2024, 4, 1);

function rules(raw: RawRules) {
  const r = validateRules(raw, config);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

describe("rule validation", () => {
  it("names every bad field and treats empty rules as none", () => {
    const r = validateRules(
      {
        filter: {
          excludeItems: ["ok", "a b"],
          requireProperties: ["x|y"],
          city: "",
          boost: [
            { weight: 1 },
            { property: "Pool", itemIds: ["a"], weight: Number.POSITIVE_INFINITY },
          ],
        },
        pin: [
          { itemId: "a", position: 0 },
          { itemId: "a", position: 2 },
          { itemId: "b", position: 2 },
        ],
      },
      config,
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => e.field)).toEqual([
        "filter.excludeItems[1]",
        "filter.requireProperties[0]",
        "filter.city",
        "filter.boost[0]",
        "filter.boost[1]",
        "filter.boost[1].weight",
        "pin[0].position",
        "pin[1].itemId",
        "pin[2].position",
      ]);
    expect(validateRules({ filter: { excludeItems: [], excludeSeen: false } }, config)).toEqual({
      ok: true,
      value: undefined,
    });
  });
});

describe.each(STORE_KINDS)("business rules on the %s store", (kind) => {
  let t: TestEngine;
  let step = 0;
  const sid = "s1";
  const ids = ["a", "b", "c", "d", "e", "f"];
  const ev = (raw: Partial<SessionEvent> & { type: SessionEvent["type"] }): SessionEvent => {
    const r = validateEvent({ sessionId: sid, timestamp: T0 + ++step * 1000, ...raw }, config, 0);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  };
  const order = async (raw: RawRules, candidates?: string[], limit?: number, sessionId = sid) =>
    (await t.recommender.recommend(sessionId, candidates, limit, rules(raw))).items.map(
      (i) => i.itemId,
    );

  beforeEach(async () => {
    step = 0;
    t = makeEngine(kind);
    await new Catalog(t.store, t.keys).upsert([
      {
        itemId: "a",
        properties: ["Pool", "Spa"],
        city: "Rome",
        attributes: { stars: 3, rating: 2 },
      },
      { itemId: "b", properties: ["Pool"], city: "Rome", attributes: { stars: 5 } },
      { itemId: "c", properties: ["Spa"], city: "Milan" },
      { itemId: "d", properties: ["Pool", "Spa", "Gym"], city: "Rome" },
      { itemId: "e", properties: ["Gym"], city: "Milan" },
      // f has no metadata at all.
    ]);
    await t.engine.track(ev({ type: "IMPRESSIONS", impressions: ids, userId: "u1" }));
  });
  afterEach(async () => {
    await t.close();
  });

  it("without rules the list is the ranked one (shown order here)", async () => {
    expect((await t.recommender.recommend(sid)).items.map((i) => i.itemId)).toEqual(ids);
  });

  it("excludeItems, requireProperties (case-insensitive) and city each drop what they must", async () => {
    expect(await order({ filter: { excludeItems: ["b", "e", "zz"] } })).toEqual([
      "a",
      "c",
      "d",
      "f",
    ]);
    expect(await order({ filter: { requireProperties: ["pool"] } })).toEqual(["a", "b", "d"]);
    expect(await order({ filter: { requireProperties: [" POOL ", "Spa"] } })).toEqual(["a", "d"]);
    expect(await order({ filter: { city: "Milan" } })).toEqual(["c", "e"]);
    expect(await order({ filter: { requireProperties: ["Nothing"] } })).toEqual([]);
  });

  it("excludeSeen drops what the session clicked out or bought, and what its user did elsewhere", async () => {
    await t.engine.track(ev({ type: "ITEM_IMAGE", itemId: "c" }));
    await t.engine.track(ev({ type: "CLICKOUT", itemId: "b" }));
    // Another session of the same user bought e.
    const other = validateEvent(
      { sessionId: "s2", userId: "u1", type: "PURCHASE", itemId: "e", timestamp: T0 + 50_000 },
      config,
      0,
    );
    if (!other.ok) throw new Error("bad");
    await t.engine.track(other.value);
    const plain = (await t.recommender.recommend(sid)).items.map((i) => i.itemId);
    expect(plain).toContain("b");
    const filtered = await order({ filter: { excludeSeen: true } });
    expect(filtered).toEqual(plain.filter((i) => i !== "b" && i !== "e"));
    // A glance (image) is not "seen".
    expect(filtered).toContain("c");
  });

  it("boosts raise or lower items by property or id; ties keep the ranked order", async () => {
    const scores = new Map(
      (await t.recommender.recommend(sid)).items.map((i) => [i.itemId, i.score]),
    );
    const r = await t.recommender.recommend(
      sid,
      undefined,
      undefined,
      rules({ filter: { boost: [{ property: "Gym", weight: 10 }] } }),
    );
    expect(r.items.map((i) => i.itemId)).toEqual(["d", "e", "a", "b", "c", "f"]);
    expect(r.items[0]!.reasons[0]).toBe("boosted");
    expect(r.items[0]!.score).toBeCloseTo(scores.get("d")! + 10, 5);
    expect(
      await order({
        filter: {
          boost: [
            { itemIds: ["a"], weight: -10 },
            { property: "spa", weight: 5 },
          ],
        },
      }),
    ).toEqual(["c", "d", "b", "e", "f", "a"]);
  });

  it("pins keep items at positions, insert unlisted ones, and never override exclusions", async () => {
    expect(
      await order({
        pin: [
          { itemId: "f", position: 1 },
          { itemId: "a", position: 3 },
        ],
      }),
    ).toEqual(["f", "b", "a", "c", "d", "e"]);
    const r = await t.recommender.recommend(
      sid,
      undefined,
      3,
      rules({
        pin: [
          { itemId: "x", position: 2 },
          { itemId: "b", position: 50 },
        ],
      }),
    );
    expect(r.items.map((i) => [i.itemId, i.rank, i.reasons])).toEqual([
      ["a", 1, expect.any(Array)],
      ["x", 2, ["pinned"]],
      ["c", 3, expect.any(Array)],
    ]);
    // b pinned at 50 goes to the end of the full list.
    expect((await order({ pin: [{ itemId: "b", position: 50 }] })).at(-1)).toBe("b");
    // Excluded or filtered-out items are not pinned.
    expect(
      await order({
        filter: { excludeItems: ["f"], city: "Rome" },
        pin: [
          { itemId: "f", position: 1 },
          { itemId: "c", position: 2 },
        ],
      }),
    ).toEqual(["a", "b", "d"]);
  });

  it("combines rules: city, property, exclusion, boost, pin and limit together", async () => {
    await t.engine.track(ev({ type: "CLICKOUT", itemId: "d" }));
    expect(
      await order(
        {
          filter: {
            city: "Rome",
            requireProperties: ["Pool"],
            excludeSeen: true,
            boost: [{ property: "Spa", weight: 100 }],
          },
          pin: [{ itemId: "b", position: 1 }],
        },
        undefined,
        2,
      ),
    ).toEqual(["b", "a"]);
  });

  it("applies to given candidates and to next-item lists, filling from the catalogue when history is short", async () => {
    expect(await order({ filter: { requireProperties: ["Gym"] } }, ["e", "a", "d"])).toEqual([
      "e",
      "d",
    ]);
    // A fresh session with no list: next items. Popularity: a clickout on c in another session.
    const pop = validateEvent(
      { sessionId: "p", type: "CLICKOUT", itemId: "c", timestamp: T0 },
      config,
      0,
    );
    if (!pop.ok) throw new Error("bad");
    await t.engine.track(pop.value);
    const plain = (await t.recommender.recommend("fresh")).items.map((i) => i.itemId);
    expect(plain).toContain("c");
    expect(await order({ filter: { excludeItems: ["c"] } }, undefined, 10, "fresh")).not.toContain(
      "c",
    );
    // Rome items come from the catalogue: nobody interacted with them in this keyspace's popularity.
    const rome = await t.recommender.recommend(
      "fresh",
      undefined,
      10,
      rules({ filter: { city: "Rome", requireProperties: ["Spa"] } }),
    );
    expect(rome.source).toBe("NEXT_ITEM");
    expect(rome.items.map((i) => i.itemId).sort()).toEqual(["a", "d"]);
    expect(rome.items[0]!.reasons).toEqual(["catalogue"]);
  });

  it("content features: similarity to touched and clicked items, filters met, stars and rating ranks", async () => {
    await t.engine.track(ev({ type: "CLICKOUT", itemId: "d" }));
    await t.engine.track(ev({ type: "FILTER", filters: ["Pool", "Spa"] }));
    const snap = await t.engine.snapshot(sid);
    const list = { items: ids, prices: undefined };
    const m = await t.recommender.features(snap, list);
    const f = (item: string, name: keyof typeof FEATURE_INDEX) =>
      m[ids.indexOf(item) * FEATURE_COUNT + FEATURE_INDEX[name]]!;
    expect(f("a", "c_in_catalogue")).toBe(1);
    expect(f("f", "c_in_catalogue")).toBe(0);
    // d = {pool, spa, gym}; a = {pool, spa}: Jaccard 2/3; e = {gym}: 1/3; f: unknown.
    expect(f("a", "c_sim_last_clickout")).toBeGreaterThan(f("e", "c_sim_last_clickout"));
    expect(f("d", "c_sim_last_clickout")).toBe(1);
    expect(f("f", "c_sim_last_clickout")).toBe(-1);
    expect(f("a", "c_sim_touched_max")).toBeGreaterThan(0.4);
    expect(f("d", "c_sim_touched_max")).toBe(-1); // its only touched item is itself
    expect([f("a", "c_filters_met"), f("b", "c_filters_met"), f("e", "c_filters_met")]).toEqual([
      2, 1, 0,
    ]);
    expect(f("a", "c_filters_frac")).toBe(1);
    expect([f("a", "c_stars"), f("b", "c_stars"), f("c", "c_stars")]).toEqual([3, 5, -1]);
    expect([f("a", "c_stars_rank"), f("b", "c_stars_rank"), f("c", "c_stars_rank")]).toEqual([
      0, 1, 0.5,
    ]);
    expect(f("a", "c_rating")).toBe(2);
  });
});
