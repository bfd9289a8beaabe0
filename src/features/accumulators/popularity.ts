import { isItemEvent } from "../../domain/event-type.ts";
import type { Op } from "../../state/ops.ts";
import type { Accumulator } from "./accumulator.ts";

/** Strong signals weigh more than a glance: a clickout or purchase is worth three views. */
const WEIGHT: Partial<Record<string, number>> = { CLICKOUT: 3, PURCHASE: 3, ADD_TO_CART: 2 };

/** Item popularity in the event's city and overall, top-K bounded. */
export const popularity: Accumulator = ({ event, city }, { keys, config }) => {
  if (!event.itemId || !isItemEvent(event.type)) return [];
  const by = WEIGHT[event.type] ?? 1;
  const ops: Op[] = [
    {
      op: "zincr",
      key: keys.globalPopularity(),
      member: event.itemId,
      by,
      cap: config.POPULAR_TOP_K,
    },
  ];
  if (city)
    ops.push({
      op: "zincr",
      key: keys.cityPopularity(city),
      member: event.itemId,
      by,
      cap: config.POPULAR_TOP_K,
    });
  return ops;
};
