// Shared helpers for the k6 scripts (k6 runs ES modules; these files are plain JS,
// type-checked against @types/k6 with `npm run load:check`).
import http from "k6/http";

export const BASE_URL = (__ENV.BASE_URL || "http://localhost:4000").replace(/\/+$/, "");
export const GRAPHQL_URL = `${BASE_URL}/graphql`;
export const WS_URL = GRAPHQL_URL.replace(/^http/, "ws");

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
