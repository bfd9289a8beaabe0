import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

// Two sessions build the items' counters; a third, fresh one scores a, b, c and d.
let w: FeatureWorld;
beforeAll(async () => {
  w = await world([
    event("s1", 0, "IMPRESSIONS", { impressions: ["a", "b", "c"] }), // imp a, b, c
    event("s1", 1, "CLICKOUT", { itemId: "b" }), // clk b; examined a, b (slots 0-1)
    event("s1", 2, "ITEM_IMAGE", { itemId: "a" }),
    event("s2", 0, "IMPRESSIONS", { impressions: ["c", "a", "b"] }), // imp c, a, b
    event("s2", 1, "ITEM_INFO", { itemId: "c" }),
    // The list shown already: its impressions are not counted twice; examined c (slot 0).
    event("s2", 2, "CLICKOUT", { itemId: "c", impressions: ["c", "a", "b"] }),
    event("s2", 3, "VIEW", { itemId: "a" }),
    event("s2", 4, "PURCHASE", { itemId: "b" }),
  ]);
});
afterAll(() => w.close());

describe("item statistics", () => {
  it("counters of every session, with priors, and their rank in the list", async () => {
    const items = ["a", "b", "c", "d"];
    const row = await w.rows("fresh", items);
    const col = (f: Parameters<typeof row>[1]) => column(row, items, f);
    // impressions a 2, b 2, c 2, d 0; examined a 1, b 1, c 1; clickouts b 1, c 1.
    expect(col("i_impressions")).toEqual([Math.log1p(2), Math.log1p(2), Math.log1p(2), 0]);
    expect(col("i_clickouts")).toEqual([0, Math.log1p(1), Math.log1p(1), 0]);
    expect(col("i_ctr")).toEqual([0.4 / 12, 1.4 / 12, 1.4 / 12, 0.4 / 10]);
    expect(col("i_exam_ctr")).toEqual([0.4 / 11, 1.4 / 11, 1.4 / 11, 0.4 / 10]);
    // Interactions other than clickouts: a image + view, b purchase, c info.
    expect(col("i_interactions")).toEqual([Math.log1p(2), Math.log1p(1), Math.log1p(1), 0]);
    // a (0.036) < d (0.04) < b = c (0.127): ranks 0, 1/3, and 5/6 shared.
    expect(col("exam_ctr_rank")).toEqual([0, 5 / 6, 5 / 6, 1 / 3]);
    // Popularity: a 1 + 1, b clickout 3 + purchase 3, c 1 + 3.
    expect(col("global_pop")).toEqual([Math.log1p(2), Math.log1p(6), Math.log1p(4), 0]);
  });
});
