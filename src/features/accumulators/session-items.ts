import { isItemEvent, itemEventIndex } from "../../domain/event-type.ts";
import type { Accumulator } from "./accumulator.ts";

/** Per session and item: touches by type, first and last step (bounded, oldest evicted). */
export const sessionItems: Accumulator = ({ event, step }, { keys, config }) => {
  if (!event.itemId || !isItemEvent(event.type)) return [];
  const key = keys.sessionItems(event.sessionId);
  return [
    {
      op: "stouch",
      key,
      item: event.itemId,
      type: itemEventIndex(event.type),
      step,
      cap: config.SESSION_MAX_ITEMS,
    },
    // sessionState's EXPIRE of this key runs before the touch, when the session's first
    // item event has not created the hash yet (EXPIRE of a missing key is a no-op): set
    // the TTL after the write, or the hash would never expire.
    { op: "expire", key, seconds: config.SESSION_TTL_SECONDS },
  ];
};
