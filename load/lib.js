// Shared helpers for the k6 scripts (k6 runs ES modules; these files are plain JS,
// type-checked against @types/k6 with `npm run load:check`).
import http from "k6/http";

export const BASE_URL = (__ENV.BASE_URL || "http://localhost:4000").replace(/\/+$/, "");
export const GRAPHQL_URL = `${BASE_URL}/graphql`;
export const WS_URL = GRAPHQL_URL.replace(/^http/, "ws");

/** Shape (1) of the benchmark: a collector's event, which selects only whether it was accepted. */
export const COLLECT_EVENT =
  "mutation Collect($event: EventInput!) { trackEvent(event: $event) { accepted } }";
/** Shape (2): a frontend's event with read-your-writes, the list after this event. */
export const FRONTEND_EVENT =
  "mutation Frontend($event: EventInput!) { trackEvent(event: $event) { recommendations { version items { itemId } } } }";
export const TRACK_EVENT =
  "mutation Track($event: EventInput!) { trackEvent(event: $event) { accepted published step recommendations { version } } }";
export const TRACK_EVENTS =
  "mutation TrackBatch($events: [EventInput!]!, $rescore: Boolean) { trackEvents(events: $events, rescore: $rescore) { accepted rejected sessions published } }";
export const RECOMMENDATIONS =
  "query Recs($sessionId: ID!, $limit: Int) { recommendations(sessionId: $sessionId, limit: $limit) { version source items { itemId score } } }";
export const SUBSCRIBE =
  "subscription Live($sessionId: ID!) { recommendations(sessionId: $sessionId, limit: 10) { sessionId version items { itemId } } }";

const JSON_HEADERS = { "content-type": "application/json" };

/**
 * POSTs one GraphQL operation.
 * @param {string} query
 * @param {Record<string, unknown>} variables
 * @param {Record<string, string>} [tags]
 */
export function gql(query, variables, tags) {
  return http.post(GRAPHQL_URL, JSON.stringify({ query, variables }), {
    headers: JSON_HEADERS,
    tags: tags || {},
  });
}

/**
 * The parsed GraphQL answer, or null when the body is not JSON.
 * @param {import("k6/http").RefinedResponse<"text"> | import("k6/http").Response} res
 * @returns {{ data?: any, errors?: unknown[] } | null}
 */
export function parse(res) {
  try {
    return /** @type {{ data?: any, errors?: unknown[] }} */ (JSON.parse(String(res.body)));
  } catch (_e) {
    return null;
  }
}

/** Item ids drawn from a fixed pool, so item counters and co-visitation accumulate. */
const ITEM_POOL = Number(__ENV.ITEM_POOL || 5000);

/** @param {number} n */
export function randomItems(n) {
  /** @type {string[]} */
  const out = [];
  const seen = new Set();
  while (out.length < n) {
    const id = String(100000 + Math.floor(Math.random() * ITEM_POOL));
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}

/**
 * An IMPRESSIONS event showing `items` (what opens a session's list).
 * @param {string} sessionId
 * @param {string[]} items
 */
export function impressions(sessionId, items) {
  return {
    sessionId,
    type: "IMPRESSIONS",
    timestamp: Date.now(),
    impressions: items,
    prices: items.map((_, i) => 40 + ((i * 37) % 160)),
  };
}

const ITEM_TYPES = ["ITEM_IMAGE", "ITEM_INFO", "ITEM_RATING", "ITEM_DEALS", "CLICKOUT"];

/**
 * An interaction with one of the shown items.
 * @param {string} sessionId
 * @param {string[]} items
 */
export function interaction(sessionId, items) {
  return {
    sessionId,
    type: ITEM_TYPES[Math.floor(Math.random() * ITEM_TYPES.length)],
    timestamp: Date.now(),
    itemId: items[Math.floor(Math.random() * items.length)],
  };
}

/**
 * The rate the targets are ratios of, measured by `npm run bench` on the machine that runs
 * the service (docs/benchmarks.md): a k6 threshold is an absolute number, so the scripts
 * take the reference and apply the target's ratio. Pass the figures of your own machine.
 */
export const REFERENCE = {
  /** Bare graphql-yoga no-op trackEvent, req/s (targets: shape 1 at 1.0x, shape 2 at 0.6x). */
  bareYogaPerSec: Number(__ENV.BARE_YOGA_RPS || 3500),
  /**
   * The 9-write Lua reference (bench/lua/reference-4.lua with `redis-benchmark -c 50`),
   * events/s against the service's Redis (target: batches at 50% of it).
   */
  luaEventsPerSec: Number(__ENV.LUA_REFERENCE_EPS || 28000),
};

/**
 * Sessions that were shown a 25-item list, written with trackEvents in batches of 200
 * (for a script's setup(); the lists travel to every VU as setup data).
 * @param {string} prefix
 * @param {number} count
 * @returns {{ sessionId: string, items: string[] }[]}
 */
export function listedSessions(prefix, count) {
  /** @type {{ sessionId: string, items: string[] }[]} */
  const out = [];
  for (let i = 0; i < count; i++) out.push({ sessionId: `${prefix}-${i}`, items: randomItems(25) });
  for (let i = 0; i < out.length; i += 200) {
    const events = out.slice(i, i + 200).map((s) => impressions(s.sessionId, s.items));
    const res = gql(TRACK_EVENTS, { events, rescore: true }, { name: "setup" });
    const body = parse(res);
    if (res.status !== 200 || !body || body.errors)
      throw new Error(
        `setup: trackEvents failed (${res.status}): ${String(res.body).slice(0, 200)}`,
      );
  }
  return out;
}

/**
 * An interaction with one of the shown items below the top three (so it can move up).
 * @param {string} sessionId
 * @param {string[]} items
 */
export function interactionBelowTop(sessionId, items) {
  return {
    sessionId,
    type: ITEM_TYPES[Math.floor(Math.random() * 4)],
    timestamp: Date.now(),
    itemId: items[3 + Math.floor(Math.random() * (items.length - 3))],
  };
}
