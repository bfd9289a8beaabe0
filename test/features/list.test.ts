import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

// A list of four with prices, and the session's touches of two of them (b, d).
const S = "s1";
const LIST = ["a", "b", "c", "d"];
let w: FeatureWorld;
beforeAll(async () => {
  w = await world([
    event(S, 0, "IMPRESSIONS", { impressions: LIST, prices: [100, 80, 120, 80] }),
    event(S, 10, "ITEM_IMAGE", { itemId: "b" }),
    event(S, 20, "ITEM_INFO", { itemId: "d" }),
  ]);
});
afterAll(() => w.close());

describe("list position and price", () => {
  it("the session's own list", async () => {
    const row = await w.rows(S);
    const col = (f: Parameters<typeof row>[1]) => column(row, LIST, f);
    expect(col("pos")).toEqual([0, 1, 2, 3]);
    expect(col("pos_rel")).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(col("list_len")).toEqual([4, 4, 4, 4]);
    expect(col("price")).toEqual([100, 80, 120, 80]);
    // Ascending rank in [0, 1], ties (b, d at 80) sharing their mean rank.
    expect(col("price_rank")).toEqual([2 / 3, 1 / 6, 1, 1 / 6]);
    // Over the list's mean price, 95.
    expect(col("price_rel")).toEqual([100 / 95, 80 / 95, 120 / 95, 80 / 95]);
    // Over the mean price of the touched items in the list (b, d: 80).
    expect(col("price_vs_touched")).toEqual([1.25, 1, 1.5, 1]);
    expect(col("in_prev_list")).toEqual([1, 1, 1, 1]);
    expect(col("prev_pos")).toEqual([0, 1, 2, 3]);
    expect(col("price_over_min")).toEqual([1.25, 1, 1.5, 1]);
  });

  it("candidates the session was shown in part: no prices, positions in the previous list", async () => {
    const items = ["c", "x", "a"];
    const row = await w.rows(S, items);
    const col = (f: Parameters<typeof row>[1]) => column(row, items, f);
    expect(col("pos")).toEqual([0, 1, 2]);
    expect(col("pos_rel")).toEqual([0, 0.5, 1]);
    expect(col("list_len")).toEqual([3, 3, 3]);
    expect(col("price")).toEqual([-1, -1, -1]);
    expect(col("price_rank")).toEqual([0.5, 0.5, 0.5]);
    expect(col("price_rel")).toEqual([1, 1, 1]);
    expect(col("price_vs_touched")).toEqual([-1, -1, -1]);
    expect(col("in_prev_list")).toEqual([1, 0, 1]);
    expect(col("prev_pos")).toEqual([2, -1, 0]);
    expect(col("price_over_min")).toEqual([-1, -1, -1]);
  });

  it("candidates all from the shown list keep their prices", async () => {
    const items = ["d", "b"];
    const row = await w.rows(S, items);
    const col = (f: Parameters<typeof row>[1]) => column(row, items, f);
    expect(col("price")).toEqual([80, 80]);
    expect(col("price_rank")).toEqual([0.5, 0.5]);
    expect(col("price_rel")).toEqual([1, 1]);
    expect(col("price_vs_touched")).toEqual([1, 1]);
    expect(col("price_over_min")).toEqual([1, 1]);
    expect(col("prev_pos")).toEqual([3, 1]);
  });
});
