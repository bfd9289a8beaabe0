import { META } from "../../catalog/meta.ts";
import { decodeSignature, normalizeProperty, similarity } from "../../catalog/properties.ts";
import type { Keys } from "../../domain/keys.ts";
import {
  all,
  constant,
  hmget,
  map,
  type ReadPlan,
  smismember,
  struct,
} from "../../state/read-plan.ts";
import { lastClickoutItem, type SessionSnapshot } from "../session-snapshot.ts";
import { defineFamily } from "./family.ts";
import { rankKnown } from "./rank.ts";

/** Session items whose properties the candidates are compared with (latest first). */
export const SIMILARITY_SOURCES = 5;
/** Active filters checked against the catalogue (a session rarely has more). */
export const MAX_FILTERS_CHECKED = 10;

const STARS = META.attribute("stars");
const RATING = META.attribute("rating");

function activeFilters(snap: SessionSnapshot): string[] {
  return [...new Set(snap.filters.map(normalizeProperty))]
    .filter((f) => f.length > 0)
    .slice(0, MAX_FILTERS_CHECKED);
}

const signatureOf = (keys: Keys, item: string): ReadPlan<Uint16Array | undefined> =>
  map(hmget(keys.item(item), [META.signature]), (v) => decodeSignature(v[0]));

/**
 * What the catalogue says: whether the candidate is in it, the estimated Jaccard
 * similarity of its properties to the session's latest items other than itself (max and
 * mean; -1 when either side has none) and to the last clicked-out item, how many of the
 * session's active filters it has as properties, its stars and rating and their ranks
 * within the list (0.5 when unknown, like a tie with everything).
 */
export const contentFamily = defineFamily({
  name: "catalogue content",
  features: [
    "c_in_catalogue",
    "c_sim_touched_max",
    "c_sim_touched_mean",
    "c_sim_last_clickout",
    "c_filters_met",
    "c_filters_frac",
    "c_stars",
    "c_stars_rank",
    "c_rating",
    "c_rating_rank",
  ],
  itemFields: [META.marker, META.signature, STARS, RATING],
  reads: (keys, snap, list) => {
    const clickout = lastClickoutItem(snap);
    return struct({
      touched: all(snap.touched.slice(0, SIMILARITY_SOURCES).map((t) => signatureOf(keys, t))),
      lastClickout: clickout !== undefined ? signatureOf(keys, clickout) : constant(undefined),
      filters: all(activeFilters(snap).map((f) => smismember(keys.propertyItems(f), list.items))),
    });
  },
  fill(rows, { snap, list, items, data }) {
    const n = list.items.length;
    const MARKER = items.column(META.marker);
    const SIGNATURE = items.column(META.signature);
    const STARS_AT = items.column(STARS);
    const RATING_AT = items.column(RATING);
    const stars: (number | undefined)[] = [];
    const rating: (number | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      stars.push(finite(items.text(i, STARS_AT)));
      rating.push(finite(items.text(i, RATING_AT)));
    }
    const starsRank = new Float64Array(n).fill(0.5);
    const ratingRank = new Float64Array(n).fill(0.5);
    // Most candidates of most lists have no catalogue entry: nothing to rank then.
    if (stars.some((v) => v !== undefined) || rating.some((v) => v !== undefined)) {
      rankKnown(stars, starsRank);
      rankKnown(rating, ratingRank);
    }
    for (let i = 0; i < n; i++) {
      const sig = decodeSignature(items.text(i, SIGNATURE));
      let simMax = -1;
      let simMean = -1;
      let simClickout = -1;
      if (sig) {
        let sum = 0;
        let count = 0;
        data.touched.forEach((t, k) => {
          if (!t || snap.touched[k] === list.items[i]) return;
          const s = similarity(sig, t);
          if (s > simMax) simMax = s;
          sum += s;
          count++;
        });
        if (count > 0) simMean = sum / count;
        if (data.lastClickout) simClickout = similarity(sig, data.lastClickout);
      }
      let met = 0;
      for (const has of data.filters) if (has[i]) met++;
      rows.set(i, "c_in_catalogue", items.text(i, MARKER) !== null ? 1 : 0);
      rows.set(i, "c_sim_touched_max", simMax);
      rows.set(i, "c_sim_touched_mean", simMean);
      rows.set(i, "c_sim_last_clickout", simClickout);
      rows.set(i, "c_filters_met", met);
      rows.set(i, "c_filters_frac", snap.filters.length > 0 ? met / snap.filters.length : -1);
      rows.set(i, "c_stars", stars[i] ?? -1);
      rows.set(i, "c_stars_rank", starsRank[i]!);
      rows.set(i, "c_rating", rating[i] ?? -1);
      rows.set(i, "c_rating_rank", ratingRank[i]!);
    }
  },
});

function finite(v: string | null): number | undefined {
  if (v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
