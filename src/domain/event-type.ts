/**
 * Every kind of event a site sends, in the order of the public GraphQL enum EventType,
 * each marked with what it is about: `item` kinds name one item the session touches,
 * `session` kinds change the session's context. Item kinds are counted per item in this
 * order (packed session-item counters, item counters `t<k>`, stored in Redis), so a kind
 * is appended, never inserted or removed: adding an item event type is one line here,
 * and everything below, the stores' scripts included, follows.
 */
export const EVENT_KINDS = [
  ["IMPRESSIONS", "session"],
  ["CLICKOUT", "item"],
  ["ITEM_IMAGE", "item"],
  ["ITEM_INFO", "item"],
  ["ITEM_RATING", "item"],
  ["ITEM_DEALS", "item"],
  ["SEARCH_ITEM", "item"],
  ["SEARCH_DESTINATION", "session"],
  ["SEARCH_POI", "session"],
  ["FILTER", "session"],
  ["SORT", "session"],
  ["VIEW", "item"],
  ["ADD_TO_CART", "item"],
  ["PURCHASE", "item"],
] as const satisfies readonly (readonly [string, "item" | "session"])[];

type Kind = (typeof EVENT_KINDS)[number];
export type EventType = Kind[0];
/** Events that name one item and count as an interaction of the session with it. */
export type ItemEventType = Extract<Kind, readonly [string, "item"]>[0];

/** What the system derives from a list of kinds (the list above; tests derive others). */
export function eventCatalogue(kinds: readonly (readonly [string, "item" | "session"])[]) {
  const types = kinds.map(([t]) => t) as EventType[];
  const itemTypes = kinds.filter(([, k]) => k === "item").map(([t]) => t) as ItemEventType[];
  const itemSet: ReadonlySet<string> = new Set(itemTypes);
  const index = new Map<string, number>(itemTypes.map((t, i) => [t, i]));
  return {
    EVENT_TYPES: types as readonly EventType[],
    ITEM_EVENT_TYPES: itemTypes as readonly ItemEventType[],
    isItemEvent: (type: EventType): type is ItemEventType => itemSet.has(type),
    /** Index of an item event type in packed per-item counters (stable: stored in Redis). */
    itemEventIndex: (type: ItemEventType): number => index.get(type) ?? -1,
  };
}

export const { EVENT_TYPES, ITEM_EVENT_TYPES, isItemEvent, itemEventIndex } =
  eventCatalogue(EVENT_KINDS);

/**
 * One event after validation at the edge: the only shape the rest of the system sees.
 * `timestamp` is epoch milliseconds, taken from the event (never the clock) so that a
 * replay computes exactly what live traffic computed.
 */
export interface SessionEvent {
  eventId?: string;
  sessionId: string;
  userId?: string;
  timestamp: number;
  type: EventType;
  itemId?: string;
  impressions?: string[];
  prices?: number[];
  filters?: string[];
  sort?: string;
  city?: string;
  platform?: string;
  device?: string;
  query?: string;
}
