import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

// s1 touches p, q, r: q and p gain 1 each way, r gains 1 with q and 1/2 with p. s2
// touches q then p (p and q gain 1 more each way) and is scored: its latest items are p
// (weight 1), then q (1/2).
let w: FeatureWorld;
beforeAll(async () => {
  w = await world([
    event("s1", 0, "ITEM_IMAGE", { itemId: "p" }),
    event("s1", 1, "ITEM_IMAGE", { itemId: "q" }),
    event("s1", 2, "ITEM_IMAGE", { itemId: "r" }),
    event("s2", 0, "ITEM_IMAGE", { itemId: "q" }),
    event("s2", 1, "ITEM_IMAGE", { itemId: "p" }),
  ]);
});
afterAll(() => w.close());

describe("co-visitation", () => {
  it("sum over the session's latest items, the latest weighted most, and the strongest", async () => {
    // With p: q 2, r 1/2. With q: p 2, r 1.
    const items = ["r", "q", "p", "z"];
    const row = await w.rows("s2", items);
    expect(column(row, items, "covisit_sum")).toEqual([
      Math.log1p(0.5 + 1 / 2),
      Math.log1p(2),
      Math.log1p(2 / 2),
      0,
    ]);
    expect(column(row, items, "covisit_max")).toEqual([
      Math.log1p(1),
      Math.log1p(2),
      Math.log1p(2),
      0,
    ]);
  });
});
