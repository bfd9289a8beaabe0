import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NEVER } from "../../src/features/vector/names.ts";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

// Five items shown, then a touch of every item event kind: c twice (images), d (rating,
// deals), a (info), e (search), b (clickout), and a filter last (no item).
const S = "s1";
const LIST = ["a", "b", "c", "d", "e"];
let w: FeatureWorld;
beforeAll(async () => {
  w = await world([
    event(S, 0, "IMPRESSIONS", { impressions: LIST }), // step 1
    event(S, 10, "ITEM_IMAGE", { itemId: "c" }), // 2
    event(S, 20, "ITEM_IMAGE", { itemId: "c" }), // 3
    event(S, 25, "ITEM_RATING", { itemId: "d" }), // 4
    event(S, 30, "ITEM_INFO", { itemId: "a" }), // 5
    event(S, 35, "SEARCH_ITEM", { itemId: "e" }), // 6
    event(S, 40, "ITEM_DEALS", { itemId: "d" }), // 7
    event(S, 45, "CLICKOUT", { itemId: "b" }), // 8
    event(S, 60, "FILTER", { filters: ["x"] }), // 9
  ]);
});
afterAll(() => w.close());

describe("session touches", () => {
  it("the session's own list: touched b (step 8), d (7), e (6), a (5), c (3)", async () => {
    const row = await w.rows(S);
    const col = (f: Parameters<typeof row>[1]) => column(row, LIST, f);
    expect(col("s_touches")).toEqual([1, 1, 2, 2, 1]);
    expect(col("s_image")).toEqual([0, 0, 2, 0, 0]);
    expect(col("s_info")).toEqual([1, 0, 0, 0, 0]);
    expect(col("s_rating")).toEqual([0, 0, 0, 1, 0]);
    expect(col("s_deals")).toEqual([0, 0, 0, 1, 0]);
    expect(col("s_search")).toEqual([0, 0, 0, 0, 1]);
    expect(col("s_clickout")).toEqual([0, 1, 0, 0, 0]);
    // Steps since the last touch, the session being at step 9.
    expect(col("s_steps_since")).toEqual([4, 1, 6, 2, 3]);
    expect(col("s_recency")).toEqual([1 / 5, 1 / 2, 1 / 7, 1 / 3, 1 / 4]);
    expect(col("is_last_touched")).toEqual([0, 1, 0, 0, 0]);
    expect(col("last_touched_slot")).toEqual([1, 1, 1, 1, 1]);
    expect(col("slot_minus_last_touched")).toEqual([-1, 0, 1, 2, 3]);
    expect(col("touched_rank")).toEqual([3, 0, 4, 1, 2]);
    expect(col("s_touched")).toEqual([1, 1, 1, 1, 1]);
    // Seconds from each item's latest touch to the session's latest event (60 s).
    expect(col("s_secs_since_touch")).toEqual([30, 15, 40, 20, 25]);
    // The second-latest touched item is d, at slot 3.
    expect(col("slot_minus_second_touched")).toEqual([-3, -2, -1, 0, 1]);
    // Extrapolated from slot 3 then 1: the next touch at slot -1.
    expect(col("slot_minus_extrapolated")).toEqual([1, 2, 3, 4, 5]);
    expect(col("touched_in_list")).toEqual([5, 5, 5, 5, 5]);
    expect(col("touched_rank_in_list")).toEqual([3, 0, 4, 1, 2]);
    expect(col("touches_over_max")).toEqual([0.5, 0.5, 1, 1, 0.5]);
    expect(col("slot_minus_last_clickout")).toEqual([-1, 0, 1, 2, 3]);
    expect(col("s_clickout_last")).toEqual([0, 1, 0, 0, 0]);
  });

  it("candidates without the latest touched items: the slots relative to them are unknown", async () => {
    const items = ["z", "c"];
    const row = await w.rows(S, items);
    const col = (f: Parameters<typeof row>[1]) => column(row, items, f);
    expect(col("s_touches")).toEqual([0, 2]);
    expect(col("s_image")).toEqual([0, 2]);
    expect(col("s_steps_since")).toEqual([NEVER, 6]);
    expect(col("s_recency")).toEqual([0, 1 / 7]);
    expect(col("is_last_touched")).toEqual([0, 0]);
    expect(col("last_touched_slot")).toEqual([-1, -1]);
    expect(col("slot_minus_last_touched")).toEqual([NEVER, NEVER]);
    expect(col("touched_rank")).toEqual([NEVER, 4]);
    expect(col("s_touched")).toEqual([0, 1]);
    expect(col("s_secs_since_touch")).toEqual([NEVER * 100, 40]);
    expect(col("slot_minus_second_touched")).toEqual([NEVER, NEVER]);
    expect(col("slot_minus_extrapolated")).toEqual([NEVER, NEVER]);
    expect(col("touched_in_list")).toEqual([1, 1]);
    expect(col("touched_rank_in_list")).toEqual([NEVER, 0]);
    expect(col("touches_over_max")).toEqual([0, 1]);
    expect(col("slot_minus_last_clickout")).toEqual([NEVER, NEVER]);
    expect(col("s_clickout_last")).toEqual([0, 0]);
  });
});
