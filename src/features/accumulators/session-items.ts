import { isItemEvent, itemEventIndex } from "../../domain/event-type.ts";
import type { Accumulator } from "./accumulator.ts";

/** Per session and item: touches by type, first and last step (bounded, oldest evicted). */
export const sessionItems: Accumulator = ({ event, step }, { keys, config }) => {
  if (!event.itemId || !isItemEvent(event.type)) return [];
  return [
    {
      op: "stouch",
      key: keys.sessionItems(event.sessionId),
      item: event.itemId,
      type: itemEventIndex(event.type),
      step,
      cap: config.SESSION_MAX_ITEMS,
    },
  ];
};
