import { afterEach, describe, expect, it, vi } from "vitest";
import {
  EVENT_TYPES,
  type EventType,
  ITEM_EVENT_TYPES,
  itemEventIndex,
} from "../../src/domain/event-type.ts";
import { validateEvent } from "../../src/domain/validate-event.ts";
import { FEATURE_COUNT, FEATURE_INDEX } from "../../src/features/vector/names.ts";
import { SESSION_ITEM_TYPES } from "../../src/state/ops.ts";
import { ALL_STORE_KINDS, makeEngine, type TestEngine } from "../support/stores.ts";

/**
 * A 10th item event type is one line: the line below, appended to EVENT_KINDS the way a
 * developer would append it to src/domain/event-type.ts. Everything the stores, the
 * accumulators and the features know of item event types is derived from that list, so
 * this file sees a world with LIKE in it, and both stores must handle it.
 */
vi.mock("../../src/domain/event-type.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/domain/event-type.ts")>();
  const kinds = [...real.EVENT_KINDS, ["LIKE", "item"]] as const;
  return { ...real, EVENT_KINDS: kinds, ...real.eventCatalogue(kinds) };
});

const LIKE = "LIKE" as EventType;
const T0 = Date.UTC(2024, 0, 1);

describe("a 10th item event type, appended in one line", () => {
  it("is a valid item event (it needs an itemId) and gets the next counter slot", () => {
    expect(EVENT_TYPES.at(-1)).toBe("LIKE");
    expect(ITEM_EVENT_TYPES).toHaveLength(10);
    expect(itemEventIndex(LIKE as never)).toBe(9);
    expect(SESSION_ITEM_TYPES).toBe(10);
    const limits = {
      MAX_IMPRESSIONS: 10,
      MAX_LIST_ITEMS: 10,
      MAX_STRING_LENGTH: 64,
      MAX_ID_LENGTH: 64,
    };
    expect(validateEvent({ sessionId: "s", type: "LIKE", timestamp: T0 }, limits, T0).ok).toBe(
      false,
    );
    expect(
      validateEvent({ sessionId: "s", type: "LIKE", timestamp: T0, itemId: "x" }, limits, T0).ok,
    ).toBe(true);
  });

  describe.each(ALL_STORE_KINDS)("%s store", (kind) => {
    const opened: TestEngine[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    it("counts it for the session and the item, and the features see it", async () => {
      const t = makeEngine(kind);
      opened.push(t);
      // A counter packed before LIKE existed: nine type counts (steps: the events below are
      // steps 1-3, as this hash holds no session state).
      await t.store.apply([
        {
          op: "hset",
          key: t.keys.sessionItems("s"),
          field: "old",
          value: "1,1,1,0,1,0,0,0,0,0,0,0",
        },
      ]);
      await t.engine.track({
        sessionId: "s",
        timestamp: T0 + 2000,
        type: "IMPRESSIONS",
        impressions: ["x", "y", "old"],
      });
      await t.engine.track({ sessionId: "s", timestamp: T0 + 3000, type: LIKE, itemId: "x" });
      await t.engine.track({ sessionId: "s", timestamp: T0 + 4000, type: LIKE, itemId: "old" });
      const [items, stats] = await t.store.read([
        { op: "hgetall", key: t.keys.sessionItems("s") },
        { op: "hgetall", key: t.keys.item("x") },
      ]);
      expect(items).toEqual({
        x: "1,2,2,0,0,0,0,0,0,0,0,0,1",
        old: "2,1,3,0,1,0,0,0,0,0,0,0,1",
      });
      expect((stats as Record<string, string>).t9).toBe("1");

      const snap = await t.recommender.snapshot("s");
      expect(snap.items.get("x")?.byType).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
      const m = await t.recommender.features(snap, { items: ["x", "y"], prices: undefined });
      const f = (i: number, name: keyof typeof FEATURE_INDEX) =>
        m[i * FEATURE_COUNT + FEATURE_INDEX[name]];
      expect(f(0, "s_touches")).toBe(1);
      expect(f(0, "i_interactions")).toBe(Math.log1p(1)); // a LIKE is an interaction
      expect(f(1, "i_interactions")).toBe(0);
    });
  });
});
