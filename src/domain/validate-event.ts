import type { Config } from "../config.ts";
import { EVENT_TYPES, type EventType, isItemEvent, type SessionEvent } from "./event-type.ts";
import { cityProblem, idProblem } from "./ids.ts";
import type { FieldError, Result } from "./result.ts";

export type EventLimits = Pick<
  Config,
  "MAX_IMPRESSIONS" | "MAX_LIST_ITEMS" | "MAX_STRING_LENGTH" | "MAX_ID_LENGTH"
>;

/** The event as a client sends it, before any rule has been checked. */
export interface RawEventInput {
  eventId?: string | null;
  sessionId?: unknown;
  userId?: string | null;
  timestamp?: number | string | null;
  type?: unknown;
  itemId?: string | null;
  impressions?: readonly unknown[] | null;
  prices?: readonly unknown[] | null;
  filters?: readonly unknown[] | null;
  sort?: string | null;
  city?: string | null;
  platform?: string | null;
  device?: string | null;
  query?: string | null;
}

const TEXT_FORBIDDEN = /[\p{Cc}|]/u;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_TS = Date.UTC(2100, 0, 1);
const MAX_PRICE = 1e9;

const eventTypeSet: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Checks one event against the per-type rules and the size bounds. Returns every problem
 * found (not just the first) with the path of the field, so a client fixes its payload in
 * one round. `now` is only used when the event carries no timestamp.
 */
export function validateEvent(
  raw: RawEventInput,
  limits: EventLimits,
  now: number,
  path = "event",
): Result<SessionEvent> {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) =>
    errors.push({ field: `${path}.${field}`, message });

  const id = (field: string, value: unknown, required: boolean): string | undefined => {
    if (value === undefined || value === null) {
      if (required) fail(field, "is required");
      return undefined;
    }
    if (typeof value !== "string") return void fail(field, "must be a string");
    const problem = idProblem(value, limits.MAX_ID_LENGTH);
    if (problem) return void fail(field, problem);
    return value;
  };

  const text = (field: string, value: unknown): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") return void fail(field, "must be a string");
    if (value.length > limits.MAX_STRING_LENGTH)
      return void fail(field, `must be at most ${limits.MAX_STRING_LENGTH} characters`);
    if (TEXT_FORBIDDEN.test(value))
      return void fail(field, "must not contain control characters or '|'");
    return value;
  };

  const sessionId = id("sessionId", raw.sessionId, true);
  const userId = id("userId", raw.userId, false);
  const eventId = id("eventId", raw.eventId, false);

  let type: EventType | undefined;
  if (typeof raw.type !== "string" || !eventTypeSet.has(raw.type)) {
    fail("type", `must be one of ${EVENT_TYPES.join(", ")}`);
  } else {
    type = raw.type as EventType;
  }

  const timestamp = parseTimestamp(raw.timestamp, now, (m) => fail("timestamp", m));
  const itemId = id("itemId", raw.itemId, type !== undefined && isItemEvent(type));

  let impressions: string[] | undefined;
  if (raw.impressions !== undefined && raw.impressions !== null) {
    if (!Array.isArray(raw.impressions)) fail("impressions", "must be a list of item ids");
    else if (raw.impressions.length === 0) fail("impressions", "must not be empty");
    else if (raw.impressions.length > limits.MAX_IMPRESSIONS)
      fail(
        "impressions",
        `must hold at most ${limits.MAX_IMPRESSIONS} items (got ${raw.impressions.length})`,
      );
    else {
      const seen = new Set<string>();
      const list: string[] = [];
      raw.impressions.forEach((v, i) => {
        const item = id(`impressions[${i}]`, v, true);
        if (item === undefined) return;
        if (seen.has(item)) fail(`impressions[${i}]`, `duplicates item ${item}`);
        seen.add(item);
        list.push(item);
      });
      if (list.length === raw.impressions.length) impressions = list;
    }
  } else if (type === "IMPRESSIONS") {
    fail("impressions", "is required for IMPRESSIONS");
  }

  let prices: number[] | undefined;
  if (raw.prices !== undefined && raw.prices !== null) {
    if (!Array.isArray(raw.prices)) fail("prices", "must be a list of numbers");
    else if (raw.impressions === undefined || raw.impressions === null)
      fail("prices", "needs impressions to align with");
    else if (Array.isArray(raw.impressions) && raw.prices.length !== raw.impressions.length)
      fail(
        "prices",
        `must align with impressions (${raw.prices.length} prices for ${raw.impressions.length} items)`,
      );
    else {
      const list: number[] = [];
      raw.prices.forEach((p, i) => {
        if (typeof p !== "number" || !Number.isFinite(p) || p < 0 || p > MAX_PRICE)
          fail(`prices[${i}]`, `must be a finite number between 0 and ${MAX_PRICE}`);
        else list.push(p);
      });
      if (list.length === raw.prices.length) prices = list;
    }
  }

  let filters: string[] | undefined;
  if (raw.filters !== undefined && raw.filters !== null) {
    if (!Array.isArray(raw.filters)) fail("filters", "must be a list of strings");
    else if (raw.filters.length > limits.MAX_LIST_ITEMS)
      fail("filters", `must hold at most ${limits.MAX_LIST_ITEMS} entries`);
    else {
      const list: string[] = [];
      raw.filters.forEach((f, i) => {
        const v = text(`filters[${i}]`, f);
        if (v !== undefined && v.length === 0) fail(`filters[${i}]`, "must not be empty");
        else if (v !== undefined) list.push(v);
      });
      if (list.length === raw.filters.length) filters = list;
    }
  }

  const sort = text("sort", raw.sort);
  // A city becomes part of keys (its popularity, its catalogue items): no braces either.
  let city = text("city", raw.city);
  if (city !== undefined) {
    const problem = cityProblem(city, limits.MAX_STRING_LENGTH);
    if (problem) {
      fail("city", problem);
      city = undefined;
    }
  }
  const platform = text("platform", raw.platform);
  const device = text("device", raw.device);
  const query = text("query", raw.query);

  if (type === "SORT" && !sort) fail("sort", "is required for SORT");
  if (
    type === "FILTER" &&
    filters === undefined &&
    !query &&
    !errors.some((e) => e.field.startsWith(`${path}.filters`))
  )
    fail("filters", "is required for FILTER (the active filters; an empty list clears them)");
  if ((type === "SEARCH_POI" || type === "SEARCH_DESTINATION") && !query && !city)
    fail("query", `is required for ${type} (or city)`);

  if (
    errors.length > 0 ||
    sessionId === undefined ||
    type === undefined ||
    timestamp === undefined
  ) {
    return { ok: false, errors };
  }
  const event: SessionEvent = { sessionId, timestamp, type };
  if (eventId !== undefined) event.eventId = eventId;
  if (userId !== undefined) event.userId = userId;
  if (itemId !== undefined) event.itemId = itemId;
  if (impressions !== undefined) event.impressions = impressions;
  if (prices !== undefined) event.prices = prices;
  if (filters !== undefined) event.filters = filters;
  if (sort) event.sort = sort;
  if (city) event.city = city;
  if (platform) event.platform = platform;
  if (device) event.device = device;
  if (query) event.query = query;
  return { ok: true, value: event };
}

function parseTimestamp(
  value: unknown,
  now: number,
  fail: (message: string) => void,
): number | undefined {
  if (value === undefined || value === null) return now;
  let ms: number;
  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string") {
    if (/^\d+$/.test(value)) ms = Number(value);
    else if (ISO_8601.test(value)) ms = Date.parse(value);
    else {
      fail("must be epoch milliseconds or an ISO-8601 date-time");
      return undefined;
    }
  } else {
    fail("must be epoch milliseconds or an ISO-8601 date-time");
    return undefined;
  }
  if (!Number.isFinite(ms) || !Number.isInteger(ms)) {
    fail("must be a whole number of epoch milliseconds");
    return undefined;
  }
  if (ms < MIN_TS || ms > MAX_TS) {
    fail("must lie between 2000-01-01 and 2100-01-01 (epoch milliseconds, not seconds)");
    return undefined;
  }
  return ms;
}
