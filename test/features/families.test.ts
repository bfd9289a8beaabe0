import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createKeys } from "../../src/domain/keys.ts";
import { FAMILIES } from "../../src/features/vector/families.ts";
import type { ItemFields, Rows } from "../../src/features/vector/family.ts";
import { FEATURE_NAMES, type FeatureName } from "../../src/features/vector/names.ts";
import { runPlan } from "../../src/state/read-plan.ts";
import { event, world } from "../support/features.ts";

describe("the feature vector's families", () => {
  it("FEATURE_NAMES is the order of the shipped model (models/default.json)", () => {
    const model = JSON.parse(
      readFileSync(new URL("../../models/default.json", import.meta.url), "utf8"),
    ) as { featureNames: string[] };
    expect([...FEATURE_NAMES]).toEqual(model.featureNames);
  });

  it("every feature belongs to exactly one family", () => {
    const owner = new Map<string, string[]>();
    for (const f of FAMILIES)
      for (const name of f.features) owner.set(name, [...(owner.get(name) ?? []), f.name]);
    expect([...owner.keys()].sort()).toEqual([...FEATURE_NAMES].sort());
    for (const [name, families] of owner)
      expect({ name, families }).toEqual({
        name,
        families: [families[0]],
      });
    expect(FAMILIES.map((f) => f.name)).toEqual([
      "list position and price",
      "session touches",
      "item statistics",
      "co-visitation",
      "catalogue content",
      "context",
    ]);
  });

  it("each family fills exactly its own features, in every row, and reads only the item fields it declares", async () => {
    const s = "s1";
    const w = await world(
      [
        event(s, 0, "IMPRESSIONS", {
          impressions: ["a", "b", "c"],
          prices: [10, 20, 30],
          city: "Rome",
          userId: "u",
        }),
        event(s, 5, "ITEM_IMAGE", { itemId: "b" }),
        event(s, 9, "CLICKOUT", { itemId: "c" }),
        event(s, 12, "FILTER", { filters: ["Pool"] }),
      ],
      [{ itemId: "a", properties: ["Pool"], attributes: [{ name: "stars", value: 4 }] }],
    );
    try {
      const snap = await w.snapshot(s);
      const list = { items: snap.list, prices: snap.prices };
      const keys = createKeys(w.t.config.REDIS_PREFIX);
      for (const family of FAMILIES) {
        const fill = await runPlan(w.t.store, family.plan(keys, snap, list));
        const written = new Map<string, number>();
        const rows: Rows = {
          n: list.items.length,
          set(i: number, f: FeatureName, v: number) {
            expect(family.features, `${family.name} writes ${f}`).toContain(f);
            expect(Number.isFinite(v), `${family.name}: ${f} of row ${i} is ${v}`).toBe(true);
            written.set(`${i}:${f}`, (written.get(`${i}:${f}`) ?? 0) + 1);
          },
        };
        const hashes = await runPlan(w.t.store, {
          reads: list.items.map((c) => ({ op: "hgetall" as const, key: keys.item(c) })),
          parse: (values, at) =>
            list.items.map((_, i) => (values[at + i] ?? {}) as Record<string, string>),
        });
        const columns: string[] = [];
        const items: ItemFields = {
          column(field) {
            expect(family.itemFields, `${family.name} reads ${field}`).toContain(field);
            columns.push(field);
            return columns.length - 1;
          },
          text: (i, column) => hashes[i]![columns[column]!] ?? null,
          count: (i, column) => Number(items.text(i, column) ?? 0),
        };
        fill(rows, items);
        for (let i = 0; i < list.items.length; i++)
          for (const f of family.features)
            expect(written.get(`${i}:${f}`), `${family.name}: ${f} of row ${i}`).toBe(1);
      }
    } finally {
      await w.close();
    }
  });
});
