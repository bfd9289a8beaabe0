import { META } from "../catalog/meta.ts";
import { decodeSignature, normalizeProperty } from "../catalog/properties.ts";
import type { Keys } from "../domain/keys.ts";
import { ITEM_FIELDS } from "./accumulators/item-stats.ts";
import {
  all,
  constant,
  hmget,
  map,
  type ReadPlan,
  smismember,
  struct,
  zmscore,
} from "./read-plan.ts";
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

/** Catalogue fields read with each candidate's counters (same HMGET, after them). */
const META_READ_FIELDS = [
  META.marker,
  META.signature,
  META.attribute("stars"),
  META.attribute("rating"),
];
const CANDIDATE_FIELDS = [...ITEM_READ_FIELDS, ...META_READ_FIELDS];

/** Session items whose properties the candidates are compared with (latest first). */
export const SIMILARITY_SOURCES = 5;
/** Active filters checked against the catalogue (a session rarely has more). */
export const MAX_FILTERS_CHECKED = 10;

/** The item of the session's latest clickout, from its recent log (newest first). */
export function lastClickoutItem(snap: SessionSnapshot): string | undefined {
  for (const r of snap.raw.recent)
    if (r.startsWith("CLICKOUT|")) return r.split("|")[1] || undefined;
  return undefined;
}

/** What the catalogue says of a candidate (undefined fields: not known). */
export interface CandidateMeta {
  inCatalogue: boolean;
  signature: Uint16Array | undefined;
  stars: number | undefined;
  rating: number | undefined;
}

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
  /** Per candidate: its catalogue metadata. */
  meta: CandidateMeta[];
  /** Signatures of the session's latest items (SIMILARITY_SOURCES, latest first). */
  touchedSignatures: (Uint16Array | undefined)[];
  /** Signature of the session's latest clicked-out item, when it has one. */
  lastClickoutSignature: Uint16Array | undefined;
  /** Per candidate: how many of the session's active filters (as properties) it has. */
  filtersMet: Int32Array;
}

function similaritySources(snap: SessionSnapshot): {
  touched: string[];
  clickout: string | undefined;
} {
  return { touched: snap.touched.slice(0, SIMILARITY_SOURCES), clickout: lastClickoutItem(snap) };
}

function activeFilters(snap: SessionSnapshot): string[] {
  return [...new Set(snap.filters.map(normalizeProperty))]
    .filter((f) => f.length > 0)
    .slice(0, MAX_FILTERS_CHECKED);
}

/** Everything the features read from the store about the candidates of one list. */
export function candidatePlan(
  keys: Keys,
  snap: SessionSnapshot,
  list: CandidateList,
): ReadPlan<CandidateData> {
  const src = similaritySources(snap);
  const signatureOf = (item: string) =>
    map(hmget(keys.item(item), [META.signature]), (v) => decodeSignature(v[0]));
  const filters = activeFilters(snap);
  return map(
    struct({
      hashes: all(list.items.map((c) => hmget(keys.item(c), CANDIDATE_FIELDS))),
      covisit: all(
        snap.touched.slice(0, COVISIT_SOURCES).map((t) => zmscore(keys.covisit(t), list.items)),
      ),
      userHistory: snap.userId
        ? zmscore(keys.userHistory(snap.userId), list.items)
        : constant(undefined),
      cityPopularity: snap.city
        ? zmscore(keys.cityPopularity(snap.city), list.items)
        : constant(undefined),
      globalPopularity: zmscore(keys.globalPopularity(), list.items),
      // Content: the signatures of the session's latest items and last clickout, and which
      // candidates have each active filter as a property.
      touchedSignatures: all(src.touched.map(signatureOf)),
      lastClickoutSignature:
        src.clickout !== undefined ? signatureOf(src.clickout) : constant(undefined),
      filters: all(filters.map((f) => smismember(keys.propertyItems(f), list.items))),
    }),
    (r) => {
      const meta: CandidateMeta[] = [];
      const itemStats = r.hashes.map((raw) => {
        const out = new Float64Array(ITEM_READ_FIELDS.length);
        for (let f = 0; f < out.length; f++) out[f] = Number(raw[f] ?? 0);
        const m = raw.slice(ITEM_READ_FIELDS.length);
        meta.push({
          inCatalogue: m[0] !== null && m[0] !== undefined,
          signature: decodeSignature(m[1]),
          stars: finite(m[2]),
          rating: finite(m[3]),
        });
        return out;
      });
      const filtersMet = new Int32Array(list.items.length);
      for (const has of r.filters)
        for (let i = 0; i < filtersMet.length; i++) if (has[i]) filtersMet[i]! += 1;
      return {
        itemStats,
        covisit: r.covisit,
        userHistory: r.userHistory,
        cityPopularity: r.cityPopularity,
        globalPopularity: r.globalPopularity,
        meta,
        touchedSignatures: r.touchedSignatures,
        lastClickoutSignature: r.lastClickoutSignature,
        filtersMet,
      };
    },
  );
}

function finite(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
