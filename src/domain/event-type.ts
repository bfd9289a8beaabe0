/**
 * The kinds of event a site sends. The names are part of the public GraphQL contract
 * (enum EventType), so they never change; new kinds are appended.
 */
export const EVENT_TYPES = [
  "IMPRESSIONS",
  "CLICKOUT",
  "ITEM_IMAGE",
  "ITEM_INFO",
  "ITEM_RATING",
  "ITEM_DEALS",
  "SEARCH_ITEM",
  "SEARCH_DESTINATION",
  "SEARCH_POI",
  "FILTER",
  "SORT",
  "VIEW",
  "ADD_TO_CART",
  "PURCHASE",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Events that name one item and count as an interaction of the session with it. */
export const ITEM_EVENT_TYPES = [
  "CLICKOUT",
  "ITEM_IMAGE",
  "ITEM_INFO",
  "ITEM_RATING",
  "ITEM_DEALS",
  "SEARCH_ITEM",
  "VIEW",
  "ADD_TO_CART",
  "PURCHASE",
] as const satisfies readonly EventType[];

export type ItemEventType = (typeof ITEM_EVENT_TYPES)[number];

const itemEventSet: ReadonlySet<string> = new Set(ITEM_EVENT_TYPES);

export function isItemEvent(type: EventType): type is ItemEventType {
  return itemEventSet.has(type);
}

/** Index of an item event type in packed per-item counters (stable: stored in Redis). */
export function itemEventIndex(type: ItemEventType): number {
  return ITEM_EVENT_TYPES.indexOf(type);
}

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
