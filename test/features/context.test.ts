import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/domain/event-type.ts";
import { column, event, type FeatureWorld, world } from "../support/features.ts";

// User u1 clicked a out in an earlier session in Rome; s1 is u1's session there now.
let w: FeatureWorld;
beforeAll(async () => {
  w = await world([
    event("s0", 0, "IMPRESSIONS", { impressions: ["a", "b"], city: "Rome", userId: "u1" }),
    event("s0", 1, "ITEM_IMAGE", { itemId: "b" }), // Rome: b 1
    event("s0", 2, "CLICKOUT", { itemId: "a" }), // Rome: a 3; u1's history: a
    event("s1", 100, "SEARCH_DESTINATION", { city: "Rome", userId: "u1" }),
    event("s1", 105, "FILTER", { filters: ["Pool", "Spa"] }),
    event("s1", 112, "IMPRESSIONS", { impressions: ["a", "b"] }),
    event("s1", 120, "ITEM_IMAGE", { itemId: "b" }), // Rome: b 2
    event("s9", 0, "ITEM_INFO", { itemId: "a" }),
  ]);
});
afterAll(() => w.close());

describe("context", () => {
  it("the user's history, the city's popularity and the session as a whole", async () => {
    const row = await w.rows("s1");
    const col = (f: Parameters<typeof row>[1]) => column(row, ["a", "b"], f);
    expect(col("user_clicked_before")).toEqual([1, 0]);
    expect(col("city_pop")).toEqual([Math.log1p(3), Math.log1p(2)]);
    expect(col("session_step")).toEqual([4, 4]);
    expect(col("session_items")).toEqual([1, 1]);
    expect(col("n_filters")).toEqual([2, 2]);
    expect(col("last_gap_secs")).toEqual([8, 8]);
    expect(col("last_type")).toEqual([2, 2].map(() => EVENT_TYPES.indexOf("ITEM_IMAGE")));
  });

  it("a session with no user, no city, one event", async () => {
    const row = await w.rows("s9", ["a"]);
    expect(row("a", "user_clicked_before")).toBe(0);
    expect(row("a", "city_pop")).toBe(0);
    expect(row("a", "session_step")).toBe(1);
    expect(row("a", "session_items")).toBe(1);
    expect(row("a", "n_filters")).toBe(0);
    expect(row("a", "last_gap_secs")).toBe(-1);
    expect(row("a", "last_type")).toBe(EVENT_TYPES.indexOf("ITEM_INFO"));
  });
});
