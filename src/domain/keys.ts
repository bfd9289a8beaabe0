/**
 * The one place Redis keys are built. Every key of a session shares the hash tag
 * `{s:<sessionId>}`, so a Redis Cluster keeps a session in one slot and an event's session
 * writes stay atomic there. An item's counters and its co-visitation top-K share `{i:<id>}`.
 * Ids are validated at the edge to contain no braces, whitespace or `|` (domain/ids.ts).
 */
export interface Keys {
  readonly prefix: string;
  sessionState(sessionId: string): string;
  sessionItems(sessionId: string): string;
  sessionRecent(sessionId: string): string;
  sessionChannel(sessionId: string): string;
  /** Recent event ids of the session (idempotency guard: retries are applied once). */
  sessionEvents(sessionId: string): string;
  item(itemId: string): string;
  covisit(itemId: string): string;
  userHistory(userId: string): string;
  cityPopularity(city: string): string;
  globalPopularity(): string;
  /** Catalogue: items having a property (normalised property, see catalog/properties.ts). */
  propertyItems(property: string): string;
  /** Catalogue: items in a city. */
  cityItems(city: string): string;
  /** Channel of "seen items changed" notices (per-subscriber `excludeSeen` filters listen to it). */
  sessionSeenChannel(sessionId: string): string;
  /** Present while some instance holds a subscriber of the session (refreshed, with a TTL). */
  sessionWatch(sessionId: string): string;
}

export function createKeys(prefix: string): Keys {
  return {
    prefix,
    sessionState: (s) => `${prefix}:{s:${s}}:st`,
    sessionItems: (s) => `${prefix}:{s:${s}}:it`,
    sessionRecent: (s) => `${prefix}:{s:${s}}:rc`,
    sessionChannel: (s) => `${prefix}:{s:${s}}:ch`,
    sessionEvents: (s) => `${prefix}:{s:${s}}:ev`,
    item: (i) => `${prefix}:{i:${i}}`,
    covisit: (i) => `${prefix}:{i:${i}}:cv`,
    userHistory: (u) => `${prefix}:{u:${u}}:h`,
    // City names hold spaces and commas but never braces (domain/ids.ts, checked at the
    // edge for events, queries and the catalogue); free text, used as it comes.
    cityPopularity: (c) => `${prefix}:{c:${c}}:pop`,
    globalPopularity: () => `${prefix}:{g}:pop`,
    propertyItems: (p) => `${prefix}:{p:${p}}:items`,
    cityItems: (c) => `${prefix}:{c:${c}}:items`,
    sessionSeenChannel: (s) => `${prefix}:{s:${s}}:seench`,
    sessionWatch: (s) => `${prefix}:{s:${s}}:w`,
  };
}
