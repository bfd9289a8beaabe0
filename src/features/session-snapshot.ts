import type { Keys } from "../domain/keys.ts";
import { PUBLISHED } from "../publish/published-state.ts";
import {
  applyOps,
  type Db,
  type Op,
  parseSessionItem,
  type SessionItemCounters,
} from "../state/ops.ts";
import type { ReadOp, ReadValue } from "../state/store.ts";
import { chunkedValue } from "./accumulators/chunked-field.ts";

/**
 * A session's accumulated state as the scorer sees it. Read in one round trip before an
 * event is applied; the state after the event is derived by running the event's own
 * session ops on it (`foldSession`), with the very interpreter the memory store uses, so
 * the two can never disagree.
 */
export interface SessionSnapshot {
  sessionId: string;
  /** Number of events so far; an event's step is the count including itself. */
  step: number;
  lastTs: number;
  userId?: string;
  city?: string;
  platform?: string;
  device?: string;
  sort?: string;
  filters: string[];
  list: string[];
  prices: number[] | undefined;
  listStep: number;
  lastItem?: string;
  lastItemStep: number;
  lastType?: string;
  items: Map<string, SessionItemCounters>;
  /** Items in order of their last touch, most recent first. */
  touched: string[];
  publishedVersion: number;
  publishedOrder: string;
  /** The raw hashes and list, kept so that ops can be folded onto them. */
  raw: { state: Record<string, string>; items: Record<string, string>; recent: string[] };
}

export function snapshotReads(keys: Keys, sessionId: string, recentCap: number): ReadOp[] {
  return [
    { op: "hgetall", key: keys.sessionState(sessionId) },
    { op: "hgetall", key: keys.sessionItems(sessionId) },
    { op: "lrange", key: keys.sessionRecent(sessionId), n: recentCap },
  ];
}

export function parseSnapshot(sessionId: string, values: readonly ReadValue[]): SessionSnapshot {
  const state = (values[0] ?? {}) as Record<string, string>;
  const itemsRaw = (values[1] ?? {}) as Record<string, string>;
  const recent = (values[2] ?? []) as string[];
  return build(sessionId, state, itemsRaw, recent);
}

function build(
  sessionId: string,
  state: Record<string, string>,
  itemsRaw: Record<string, string>,
  recent: string[],
): SessionSnapshot {
  const items = new Map<string, SessionItemCounters>();
  for (const [item, packed] of Object.entries(itemsRaw)) items.set(item, parseSessionItem(packed));
  const touched = [...items.entries()]
    .sort((a, b) => b[1].last - a[1].last || (a[0] < b[0] ? -1 : 1))
    .map(([id]) => id);
  const listRaw = chunkedValue(state, "list");
  const pricesRaw = chunkedValue(state, "prices");
  const filters = chunkedValue(state, "filters");
  const list = listRaw ? listRaw.split("|") : [];
  const prices = pricesRaw ? pricesRaw.split("|").map(Number) : undefined;
  const snap: SessionSnapshot = {
    sessionId,
    step: Number(state.step ?? 0),
    lastTs: Number(state.ts ?? 0),
    filters: filters ? filters.split("|") : [],
    list,
    prices: prices && prices.length === list.length ? prices : undefined,
    listStep: Number(state.listStep ?? 0),
    lastItemStep: Number(state.lastItemStep ?? 0),
    items,
    touched,
    publishedVersion: Number(state[PUBLISHED.version] ?? 0),
    publishedOrder: state[PUBLISHED.order] ?? "",
    raw: { state, items: itemsRaw, recent },
  };
  if (state.user) snap.userId = state.user;
  if (state.city) snap.city = state.city;
  if (state.platform) snap.platform = state.platform;
  if (state.device) snap.device = state.device;
  if (state.sort) snap.sort = state.sort;
  if (state.lastItem) snap.lastItem = state.lastItem;
  if (state.lastType) snap.lastType = state.lastType;
  return snap;
}

/** The session state after `ops`, computed locally from the state before them. */
export function foldSession(
  keys: Keys,
  snap: SessionSnapshot,
  ops: readonly Op[],
): SessionSnapshot {
  const sk = keys.sessionState(snap.sessionId);
  const ik = keys.sessionItems(snap.sessionId);
  const rk = keys.sessionRecent(snap.sessionId);
  const db: Db = new Map();
  db.set(sk, { t: "hash", v: new Map(Object.entries(snap.raw.state)) });
  db.set(ik, { t: "hash", v: new Map(Object.entries(snap.raw.items)) });
  db.set(rk, { t: "list", v: [...snap.raw.recent] });
  applyOps(
    db,
    ops.filter((o) => o.key === sk || o.key === ik || o.key === rk),
  );
  const h = (k: string) => {
    const v = db.get(k);
    return v?.t === "hash" ? Object.fromEntries(v.v) : {};
  };
  const rv = db.get(rk);
  return build(snap.sessionId, h(sk), h(ik), rv?.t === "list" ? rv.v : []);
}

export function emptySnapshot(sessionId: string): SessionSnapshot {
  return build(sessionId, {}, {}, []);
}
