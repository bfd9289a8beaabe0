import type { Keys } from "../domain/keys.ts";
import type { ReadOp, ReadValue } from "../state/store.ts";
import { ITEM_FIELDS } from "./accumulators/item-stats.ts";
import type { SessionSnapshot } from "./session-snapshot.ts";

/** How many of the session's latest items feed the co-visitation features. */
export const COVISIT_SOURCES = 3;

const ITEM_READ_FIELDS = [
  ITEM_FIELDS.impressions,
  ITEM_FIELDS.examined,
  ITEM_FIELDS.clickouts,
  ITEM_FIELDS.purchases,
  ...Array.from({ length: 9 }, (_, t) => ITEM_FIELDS.byType(t)),
];

/** A list to score: candidates in shown order, with prices when the site sent them. */
export interface CandidateList {
  items: readonly string[];
  prices: readonly number[] | undefined;
}

/** Everything read from the store about the candidates of one list. */
export interface CandidateData {
  /** Per candidate: imp, exam, clk, pur, t0..t8. */
  itemStats: Float64Array[];
  /** Per covisit source (session item, latest first): score of each candidate. */
  covisit: (number | null)[][];
  userHistory: (number | null)[] | undefined;
  cityPopularity: (number | null)[] | undefined;
  globalPopularity: (number | null)[];
}

export function candidateReads(keys: Keys, snap: SessionSnapshot, list: CandidateList): ReadOp[] {
  const reads: ReadOp[] = list.items.map((c) => ({ op: "hmget", key: keys.item(c), fields: ITEM_READ_FIELDS }));
  for (const src of snap.touched.slice(0, COVISIT_SOURCES))
    reads.push({ op: "zmscore", key: keys.covisit(src), members: list.items });
  if (snap.userId) reads.push({ op: "zmscore", key: keys.userHistory(snap.userId), members: list.items });
  if (snap.city) reads.push({ op: "zmscore", key: keys.cityPopularity(snap.city), members: list.items });
  reads.push({ op: "zmscore", key: keys.globalPopularity(), members: list.items });
  return reads;
}

export function parseCandidateData(
  snap: SessionSnapshot,
  list: CandidateList,
  values: readonly ReadValue[],
): CandidateData {
  let j = 0;
  const itemStats = list.items.map(() => {
    const raw = (values[j++] ?? []) as (string | null)[];
    const out = new Float64Array(ITEM_READ_FIELDS.length);
    for (let f = 0; f < out.length; f++) out[f] = Number(raw[f] ?? 0);
    return out;
  });
  const covisit: (number | null)[][] = [];
  for (let s = 0; s < Math.min(COVISIT_SOURCES, snap.touched.length); s++)
    covisit.push((values[j++] ?? []) as (number | null)[]);
  const userHistory = snap.userId ? ((values[j++] ?? []) as (number | null)[]) : undefined;
  const cityPopularity = snap.city ? ((values[j++] ?? []) as (number | null)[]) : undefined;
  const globalPopularity = (values[j++] ?? []) as (number | null)[];
  return { itemStats, covisit, userHistory, cityPopularity, globalPopularity };
}
