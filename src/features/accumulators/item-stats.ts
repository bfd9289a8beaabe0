import { isItemEvent, itemEventIndex } from "../../domain/event-type.ts";
import type { Op } from "../../state/ops.ts";
import type { Accumulator } from "./accumulator.ts";

/** Fields of an item's counter hash. */
export const ITEM_FIELDS = {
  impressions: "imp",
  /** Impressions at or above the slot that was clicked: a position-corrected denominator. */
  examined: "exam",
  clickouts: "clk",
  purchases: "pur",
  byType: (t: number) => `t${t}`,
} as const;

/**
 * Per item across all sessions: impressions, examined impressions, clickouts, purchases
 * and interactions by type. Unbounded in count of items but fixed in fields per item.
 */
export const itemStats: Accumulator = ({ event, before }, { keys }) => {
  const ops: Op[] = [];
  const inc = (item: string, field: string) =>
    ops.push({ op: "hincr", key: keys.item(item), field, by: 1 });

  // A clickout that repeats the list already shown does not count the list a second time.
  const shown =
    event.impressions && !(event.type === "CLICKOUT" && sameList(event.impressions, before.list))
      ? event.impressions
      : undefined;
  if (shown) for (const item of shown) inc(item, ITEM_FIELDS.impressions);

  if (event.itemId && isItemEvent(event.type)) {
    inc(event.itemId, ITEM_FIELDS.byType(itemEventIndex(event.type)));
    if (event.type === "CLICKOUT") {
      inc(event.itemId, ITEM_FIELDS.clickouts);
      const list = event.impressions ?? before.list;
      const slot = list.indexOf(event.itemId);
      for (let i = 0; i <= slot; i++) inc(list[i]!, ITEM_FIELDS.examined);
    }
    if (event.type === "PURCHASE") inc(event.itemId, ITEM_FIELDS.purchases);
  }
  return ops;
};

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
