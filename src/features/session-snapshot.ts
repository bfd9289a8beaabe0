import type { Keys } from "../domain/keys.ts";
import { parseRecentEvent, type RecentEvent } from "../domain/recent-event.ts";
import { SESSION_FIELDS as F } from "../domain/session-fields.ts";
import {
  applyOps,
  type Db,
  type Op,
  parseSessionItem,
  type SessionItemCounters,
} from "../state/ops.ts";
import { hgetall, lrange, map, type ReadPlan, struct } from "../state/read-plan.ts";
import { chunkedValue, sameChunked } from "./accumulators/chunked-field.ts";

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

/** A session's state: its state hash, its touched items and its recent events (newest first). */
export function snapshotPlan(
  keys: Keys,
  sessionId: string,
  recentCap: number,
): ReadPlan<SessionSnapshot> {
  return map(
    struct({
      state: hgetall(keys.sessionState(sessionId)),
      items: hgetall(keys.sessionItems(sessionId)),
      recent: lrange(keys.sessionRecent(sessionId), recentCap),
    }),
    ({ state, items, recent }) => build(sessionId, state, items, recent),
  );
}

function build(
  sessionId: string,
  state: Record<string, string>,
  itemsRaw: Record<string, string>,
  recent: string[],
  prev?: SessionSnapshot,
): SessionSnapshot {
  // Folding an event onto `prev` keeps what it did not change: parsed counters, the touch
  // order, the split list. A batch folds every event of a session, and re-parsing the whole
  // session for each one was a fifth of an import's CPU. Snapshots are never mutated, so
  // sharing these between the state before and after is safe.
  let items: Map<string, SessionItemCounters>;
  let touched: string[];
  if (prev && itemsRaw === prev.raw.items) {
    items = prev.items;
    touched = prev.touched;
  } else {
    items = new Map();
    const old = prev?.raw.items;
    for (const item in itemsRaw) {
      const packed = itemsRaw[item]!;
      const kept = old !== undefined && old[item] === packed ? prev!.items.get(item) : undefined;
      items.set(item, kept ?? parseSessionItem(packed));
    }
    touched = [...items.keys()].sort((a, b) => {
      const d = items.get(b)!.last - items.get(a)!.last;
      return d !== 0 ? d : a < b ? -1 : 1;
    });
  }
  const was = prev?.raw.state;
  const keep = (field: string) =>
    was !== undefined && (state === was || sameChunked(state, was, field));
  const keepList = keep(F.list);
  let list: string[];
  let prices: number[] | undefined;
  if (keepList && keep(F.prices)) {
    list = prev!.list;
    prices = prev!.prices;
  } else {
    const listRaw = chunkedValue(state, F.list);
    const pricesRaw = chunkedValue(state, F.prices);
    list = keepList ? prev!.list : listRaw ? listRaw.split("|") : [];
    const parsed = pricesRaw ? pricesRaw.split("|").map(Number) : undefined;
    prices = parsed && parsed.length === list.length ? parsed : undefined;
  }
  let filters: string[];
  if (keep(F.filters)) filters = prev!.filters;
  else {
    const raw = chunkedValue(state, F.filters);
    filters = raw ? raw.split("|") : [];
  }
  const snap: SessionSnapshot = {
    sessionId,
    step: Number(state[F.step] ?? 0),
    lastTs: Number(state[F.timestamp] ?? 0),
    filters,
    list,
    prices,
    listStep: Number(state[F.listStep] ?? 0),
    lastItemStep: Number(state[F.lastItemStep] ?? 0),
    items,
    touched,
    publishedVersion: Number(state[F.publishedVersion] ?? 0),
    publishedOrder: state[F.publishedOrder] ?? "",
    raw: { state, items: itemsRaw, recent },
  };
  if (state[F.user]) snap.userId = state[F.user];
  if (state[F.city]) snap.city = state[F.city];
  if (state[F.platform]) snap.platform = state[F.platform];
  if (state[F.device]) snap.device = state[F.device];
  if (state[F.sort]) snap.sort = state[F.sort];
  if (state[F.lastItem]) snap.lastItem = state[F.lastItem];
  if (state[F.lastType]) snap.lastType = state[F.lastType];
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
  // Only the session's keys are folded, and only those an op changes are copied (an
  // expire changes no content); the others stay the snapshot's own, unchanged objects.
  const mine: Op[] = [];
  let s = false;
  let i = false;
  let r = false;
  for (const o of ops) {
    if (o.op === "expire") continue;
    if (o.key === sk) s = true;
    else if (o.key === ik) i = true;
    else if (o.key === rk) r = true;
    else continue;
    mine.push(o);
  }
  if (mine.length === 0) return snap;
  const db: Db = new Map();
  if (s) db.set(sk, { t: "hash", v: mapOf(snap.raw.state) });
  if (i) db.set(ik, { t: "hash", v: mapOf(snap.raw.items) });
  if (r) db.set(rk, { t: "list", v: [...snap.raw.recent] });
  applyOps(db, mine);
  const h = (touched: boolean, k: string, was: Record<string, string>) => {
    if (!touched) return was;
    const v = db.get(k);
    return v?.t === "hash" ? objectOf(v.v) : {};
  };
  const rv = db.get(rk);
  return build(
    snap.sessionId,
    h(s, sk, snap.raw.state),
    h(i, ik, snap.raw.items),
    r ? (rv?.t === "list" ? rv.v : []) : snap.raw.recent,
    snap,
  );
}

function mapOf(o: Readonly<Record<string, string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const k in o) m.set(k, o[k]!);
  return m;
}

function objectOf(m: ReadonlyMap<string, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of m) o[k] = v;
  return o;
}

const parsedRecent = new WeakMap<readonly string[], readonly RecentEvent[]>();
/**
 * Parsed records by their text: a session's next snapshot holds the same records but one,
 * so each is parsed once rather than at every rescore. Bounded: cleared when full.
 */
const parsedRecord = new Map<string, RecentEvent>();
const RECORD_CACHE = 20_000;

function parsed(record: string): RecentEvent {
  let e = parsedRecord.get(record);
  if (e === undefined) {
    if (parsedRecord.size >= RECORD_CACHE) parsedRecord.clear();
    e = parseRecentEvent(record);
    parsedRecord.set(record, e);
  }
  return e;
}

/** The session's recent events, newest first (parsed once per snapshot's list). */
export function recentEvents(snap: SessionSnapshot): readonly RecentEvent[] {
  let out = parsedRecent.get(snap.raw.recent);
  if (out === undefined) {
    out = snap.raw.recent.map(parsed);
    parsedRecent.set(snap.raw.recent, out);
  }
  return out;
}

/** The item of the session's latest clickout, from its recent events. */
export function lastClickoutItem(snap: SessionSnapshot): string | undefined {
  for (const r of recentEvents(snap)) if (r.type === "CLICKOUT") return r.itemId;
  return undefined;
}

export function emptySnapshot(sessionId: string): SessionSnapshot {
  return build(sessionId, {}, {}, []);
}
