import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Catalog } from "../../src/catalog/catalog.ts";
import { validateItem, validateItems } from "../../src/catalog/item.ts";
import {
  decodeSignature,
  jaccard,
  normalizeProperty,
  signature,
  similarity,
} from "../../src/catalog/properties.ts";
import { defaultConfig } from "../../src/config.ts";
import { validateEvent } from "../../src/domain/validate-event.ts";
import { openItemSource, trivagoAttributes } from "../../src/ingest/sources/item-metadata.ts";
import { ALL_STORE_KINDS, makeEngine, type TestEngine } from "../support/stores.ts";

const SAMPLE = "/work/shared/data/trivago-rsc19/item_metadata_head.csv.gz";
const config = defaultConfig();

describe("properties and signatures", () => {
  it("normalises properties and estimates Jaccard within a few standard errors", () => {
    expect(normalizeProperty("  Free  WiFi (Rooms) ")).toBe("free wifi (rooms)");
    const base = Array.from({ length: 60 }, (_, i) => `p${i}`);
    for (const overlap of [0, 15, 30, 45, 60]) {
      const a = new Set(base);
      const b = new Set([
        ...base.slice(0, overlap),
        ...Array.from({ length: 60 - overlap }, (_, i) => `q${i}`),
      ]);
      const est = similarity(decodeSignature(signature(a))!, decodeSignature(signature(b))!);
      expect(Math.abs(est - jaccard(a, b))).toBeLessThan(0.2);
    }
    expect(signature([])).toBeUndefined();
    expect(decodeSignature("short")).toBeUndefined();
    // Identical sets: identical signatures, whatever the order.
    expect(signature(["a", "b", "c"])).toBe(signature(["c", "a", "b"]));
  });
});

describe("item validation", () => {
  it("checks ids, bounds, forbidden characters and attributes, naming each field", () => {
    const small = { ...config, MAX_ITEM_PROPERTIES: 2, MAX_ITEM_ATTRIBUTES: 1 };
    const r = validateItem(
      {
        itemId: "a b",
        properties: ["ok", "x|y", "z"],
        city: "A{b}",
        attributes: [
          { name: "stars", value: Number.NaN },
          { name: "9x", value: 1 },
        ],
      },
      small,
      "items[0]",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field)).toEqual([
      "items[0].itemId",
      "items[0].properties",
      "items[0].city",
      "items[0].attributes",
    ]);
    const r2 = validateItem(
      {
        itemId: "i",
        properties: ["Pool", "pool ", ""],
        attributes: [
          { name: "stars", value: 1 },
          { name: "stars", value: 2 },
        ],
      },
      config,
      "item",
    );
    expect(r2.ok).toBe(false);
    if (!r2.ok)
      expect(r2.errors.map((e) => e.field)).toEqual([
        "item.properties[2]",
        "item.attributes[1].name",
      ]);
    const ok = validateItem(
      { itemId: "i", properties: ["Pool", "pool ", "Spa"], city: "" },
      config,
      "item",
    );
    expect(ok).toEqual({ ok: true, value: { itemId: "i", properties: ["Pool", "Spa"], city: "" } });
    const dup = validateItems([{ itemId: "i" }, { itemId: "i" }], config);
    expect(dup.ok).toBe(false);
  });

  it("derives stars and rating from trivago properties", () => {
    expect(
      trivagoAttributes([
        "3 Star",
        "From 2 Stars",
        "Good Rating",
        "Very Good Rating",
        "Satisfactory Rating",
      ]),
    ).toEqual([
      { name: "stars", value: 3 },
      { name: "rating", value: 3 },
    ]);
    expect(trivagoAttributes(["Pool"])).toEqual([]);
  });
});

describe.each(ALL_STORE_KINDS)("catalogue on the %s store", (kind) => {
  let t: TestEngine;
  let catalog: Catalog;
  beforeEach(() => {
    t = makeEngine(kind);
    catalog = new Catalog(t.store, t.keys);
  });
  afterEach(async () => {
    await t.close();
  });
  const members = async (key: string, ids: string[]) =>
    (await t.store.read([{ op: "smismember", key, members: ids }]))[0];

  it("upserts, updates by difference, and removes items with their index entries", async () => {
    const keys = t.keys;
    expect(
      await catalog.upsert([
        {
          itemId: "h1",
          properties: ["Pool", "Spa"],
          city: "Rome",
          attributes: { stars: 4, rating: 3 },
        },
        { itemId: "h2", properties: ["pool"] },
      ]),
    ).toEqual({ upserted: 2, created: 2 });
    expect(await catalog.get(["h1", "h2", "h3"])).toEqual([
      {
        itemId: "h1",
        properties: ["Pool", "Spa"],
        city: "Rome",
        attributes: { stars: 4, rating: 3 },
      },
      { itemId: "h2", properties: ["pool"], city: undefined, attributes: {} },
      undefined,
    ]);
    expect(await members(keys.propertyItems("pool"), ["h1", "h2"])).toEqual([true, true]);
    expect(await members(keys.cityItems("Rome"), ["h1", "h2"])).toEqual([true, false]);

    // Left-out fields stay; given ones replace.
    expect(
      await catalog.upsert([{ itemId: "h1", properties: ["Spa", "Gym"], city: "Milan" }]),
    ).toEqual({
      upserted: 1,
      created: 0,
    });
    expect((await catalog.get(["h1"]))[0]).toEqual({
      itemId: "h1",
      properties: ["Spa", "Gym"],
      city: "Milan",
      attributes: { stars: 4, rating: 3 },
    });
    expect(await members(keys.propertyItems("pool"), ["h1", "h2"])).toEqual([false, true]);
    expect(await members(keys.propertyItems("gym"), ["h1"])).toEqual([true]);
    expect(await members(keys.cityItems("Rome"), ["h1"])).toEqual([false]);
    expect(await members(keys.cityItems("Milan"), ["h1"])).toEqual([true]);
    await catalog.upsert([{ itemId: "h1", properties: [], city: "", attributes: { stars: 5 } }]);
    expect((await catalog.get(["h1"]))[0]).toEqual({
      itemId: "h1",
      properties: [],
      city: undefined,
      attributes: { stars: 5 },
    });
    expect(await members(keys.cityItems("Milan"), ["h1"])).toEqual([false]);

    // Interaction counters in the same hash are untouched by upserts and removals.
    const e = validateEvent(
      {
        sessionId: "s",
        type: "CLICKOUT",
        itemId: "h2",
        timestamp: Date.UTC(2024, 0, 1),
        city: "Rome",
      },
      config,
      0,
    );
    if (!e.ok) throw new Error("bad event");
    await t.engine.track(e.value);
    await catalog.upsert([{ itemId: "h2", city: "Rome" }]);
    expect(await catalog.remove(["h2", "h2", "nope"])).toBe(1);
    expect((await catalog.get(["h2"]))[0]).toBeUndefined();
    const [hash, pool, city, gpop, cpop] = await t.store.read([
      { op: "hgetall", key: keys.item("h2") },
      { op: "smismember", key: keys.propertyItems("pool"), members: ["h2"] },
      { op: "smismember", key: keys.cityItems("Rome"), members: ["h2"] },
      { op: "zmscore", key: keys.globalPopularity(), members: ["h2"] },
      { op: "zmscore", key: keys.cityPopularity("Rome"), members: ["h2"] },
    ]);
    expect(hash).toMatchObject({ clk: "1" });
    expect(Object.keys(hash as object).filter((f) => f.startsWith("m"))).toEqual([]);
    expect([pool, city, gpop, cpop]).toEqual([[false], [false], [null], [null]]);
  });

  it("similarItems: co-visitation alone without metadata; content gives a new item neighbours", async () => {
    await catalog.upsert([
      { itemId: "new", properties: ["Pool", "Spa", "Sauna", "Gym", "Beach"] },
      { itemId: "twin", properties: ["Pool", "Spa", "Sauna", "Gym", "Beach"] },
      { itemId: "near", properties: ["Pool", "Spa", "Sauna", "Gym"] },
      { itemId: "far", properties: ["Pool", "Casino", "Golf", "Ski", "Bar"] },
      { itemId: "none", properties: ["Desk"] },
    ]);
    const sim = await catalog.similar("new", 10, 1);
    expect(sim.map((s) => s.itemId)).toEqual(["twin", "near", "far"]);
    expect(sim[0]!.score).toBe(1);
    expect(sim[1]!.score).toBeGreaterThan(0.5);
    expect(sim[2]!.score).toBeLessThan(0.4);
    expect(await catalog.similar("unknown", 10, 1)).toEqual([]);
    expect(await catalog.similar("new", 10, 0)).toEqual([]);
  });

  it.skipIf(!existsSync(SAMPLE))(
    "imports the trivago sample: every item, with properties, stars and rating",
    async () => {
      const items = [];
      let bad = 0;
      for await (const row of openItemSource(SAMPLE)) {
        if ("error" in row) {
          bad++;
          continue;
        }
        const c = validateItem(row.item, config, "item");
        if (c.ok) items.push(c.value);
        else bad++;
      }
      expect(bad).toBe(0);
      expect(items).toHaveLength(2333);
      for (let i = 0; i < items.length; i += 500) await catalog.upsert(items.slice(i, i + 500));
      const [first] = await catalog.get(["5101"]);
      expect(first?.properties).toHaveLength(62);
      expect(first?.attributes).toEqual({ stars: 4, rating: 2 });
      const [card] = await t.store.read([
        { op: "scard", key: t.keys.propertyItems("free wifi (combined)") },
      ]);
      expect(card).toBeGreaterThan(100);
      // A cold item (no sessions at all) gets content neighbours.
      expect((await catalog.similar("5101", 5, 1)).length).toBe(5);
    },
  );
});
