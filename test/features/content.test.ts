import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeSignature,
  normalizeProperty,
  signature,
  similarity,
} from "../../src/catalog/properties.ts";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

const PROPS: Record<string, string[]> = {
  a: ["Pool", "Spa"],
  b: ["Pool", "Spa"],
  c: ["Gym"],
  d: ["Pool", "Spa", "Gym"],
  e: ["Gym"],
};
/** The estimated Jaccard similarity the catalogue's signatures give two items. */
const sim = (x: string, y: string) => {
  const sig = (i: string) => decodeSignature(signature(new Set(PROPS[i]!.map(normalizeProperty))))!;
  return similarity(sig(x), sig(y));
};
const LIST = ["a", "b", "c", "d", "e", "f"];

// f is not in the catalogue. The session looked at d, clicked c out (its latest touch),
// then filtered on two properties some items have and one none has.
let w: FeatureWorld;
beforeAll(async () => {
  w = await world(
    [
      event("s1", 0, "IMPRESSIONS", { impressions: LIST }),
      event("s1", 1, "ITEM_IMAGE", { itemId: "d" }),
      event("s1", 2, "CLICKOUT", { itemId: "c" }),
      event("s1", 3, "FILTER", { filters: ["Pool", " spa ", "Sea view"] }),
    ],
    [
      {
        itemId: "a",
        properties: PROPS.a,
        attributes: [
          { name: "stars", value: 3 },
          { name: "rating", value: 2 },
        ],
      },
      { itemId: "b", properties: PROPS.b, attributes: [{ name: "stars", value: 5 }] },
      { itemId: "c", properties: PROPS.c },
      { itemId: "d", properties: PROPS.d, attributes: [{ name: "rating", value: 4 }] },
      { itemId: "e", properties: PROPS.e },
    ],
  );
});
afterAll(() => w.close());

describe("catalogue content", () => {
  it("membership, similarity to touched and clicked-out items, filters met, stars and rating", async () => {
    const row = await w.rows("s1");
    const col = (f: Parameters<typeof row>[1]) => column(row, LIST, f);
    expect(sim("c", "e")).toBe(1); // identical properties: the estimate is exact
    expect(col("c_in_catalogue")).toEqual([1, 1, 1, 1, 1, 0]);
    // Against the latest touched items c and d, each item skipping itself.
    expect(col("c_sim_touched_max")).toEqual([
      Math.max(sim("a", "c"), sim("a", "d")),
      Math.max(sim("b", "c"), sim("b", "d")),
      sim("c", "d"),
      sim("d", "c"),
      Math.max(sim("e", "c"), sim("e", "d")),
      -1,
    ]);
    expect(col("c_sim_touched_mean")).toEqual([
      (sim("a", "c") + sim("a", "d")) / 2,
      (sim("b", "c") + sim("b", "d")) / 2,
      sim("c", "d"),
      sim("d", "c"),
      (sim("e", "c") + sim("e", "d")) / 2,
      -1,
    ]);
    expect(col("c_sim_last_clickout")).toEqual([
      sim("a", "c"),
      sim("b", "c"),
      1,
      sim("d", "c"),
      1,
      -1,
    ]);
    // Active filters: pool, spa, sea view (normalised); the fraction is over the three.
    expect(col("c_filters_met")).toEqual([2, 2, 0, 2, 0, 0]);
    expect(col("c_filters_frac")).toEqual([2 / 3, 2 / 3, 0, 2 / 3, 0, 0]);
    expect(col("c_stars")).toEqual([3, 5, -1, -1, -1, -1]);
    expect(col("c_stars_rank")).toEqual([0, 1, 0.5, 0.5, 0.5, 0.5]);
    expect(col("c_rating")).toEqual([2, -1, -1, 4, -1, -1]);
    expect(col("c_rating_rank")).toEqual([0, 0.5, 0.5, 1, 0.5, 0.5]);
  });

  it("a session with no touches, no clickout and no filters: unknown, not zero", async () => {
    const row = await w.rows("fresh", ["a", "f"]);
    expect(row("a", "c_in_catalogue")).toBe(1);
    expect(row("a", "c_sim_touched_max")).toBe(-1);
    expect(row("a", "c_sim_touched_mean")).toBe(-1);
    expect(row("a", "c_sim_last_clickout")).toBe(-1);
    expect(row("a", "c_filters_met")).toBe(0);
    expect(row("a", "c_filters_frac")).toBe(-1);
    expect(row("a", "c_stars")).toBe(3);
    // One known value in the list: its rank is the middle.
    expect(row("a", "c_stars_rank")).toBe(0.5);
    expect(row("f", "c_stars_rank")).toBe(0.5);
  });
});
