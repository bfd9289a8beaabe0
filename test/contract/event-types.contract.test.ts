import { afterEach, describe, expect, it } from "vitest";
import { ITEM_EVENT_TYPES, itemEventIndex } from "../../src/domain/event-type.ts";
import { LUA_CONSTANTS, loadLua } from "../../src/state/lua/index.ts";
import { SESSION_ITEM_TYPES } from "../../src/state/ops.ts";
import { ALL_STORE_KINDS, makeEngine, type TestEngine } from "../support/stores.ts";

const T0 = Date.UTC(2024, 0, 1);

describe("item event types: one list, every store following it", () => {
  it("the scripts take the number of item event types from domain/event-type.ts", () => {
    expect(SESSION_ITEM_TYPES).toBe(ITEM_EVENT_TYPES.length);
    expect(LUA_CONSTANTS.ITEM_EVENT_TYPES).toBe(String(ITEM_EVENT_TYPES.length));
    const script = loadLua("apply-ops.lua");
    expect(script).toContain(`local TYPES = ${ITEM_EVENT_TYPES.length}\n`);
    expect(script).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });

  describe.each(ALL_STORE_KINDS)("%s", (kind) => {
    const opened: TestEngine[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    it("an event of every item type is counted in its own slot, session and item alike", async () => {
      const t = makeEngine(kind);
      opened.push(t);
      let n = 0;
      for (const type of ITEM_EVENT_TYPES)
        await t.engine.track({ sessionId: "s", timestamp: T0 + ++n * 1000, type, itemId: "x" });
      const [items, stats] = await t.store.read([
        { op: "hgetall", key: t.keys.sessionItems("s") },
        { op: "hgetall", key: t.keys.item("x") },
      ]);
      const N = ITEM_EVENT_TYPES.length;
      // n, first step, last step, then one count per type, in the list's order.
      expect((items as Record<string, string>).x).toBe(
        [N, 1, N, ...ITEM_EVENT_TYPES.map(() => 1)].join(","),
      );
      for (const type of ITEM_EVENT_TYPES)
        expect((stats as Record<string, string>)[`t${itemEventIndex(type)}`]).toBe("1");
    });
  });
});
