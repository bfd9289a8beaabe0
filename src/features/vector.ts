import { similarity } from "../catalog/properties.ts";
import { EVENT_TYPES, itemEventIndex } from "../domain/event-type.ts";
import type { CandidateData, CandidateList } from "./candidates.ts";
import type { SessionSnapshot } from "./session-snapshot.ts";

/**
 * The feature vector of (session, candidate). The order here is the order the model
 * artifact records; append new features at the end so old models keep working (a model
 * names the features it was trained on and the scorer maps them by name).
 */
export const FEATURE_NAMES = [
  "pos",
  "pos_rel",
  "list_len",
  "price",
  "price_rank",
  "price_rel",
  "s_touches",
  "s_image",
  "s_info",
  "s_rating",
  "s_deals",
  "s_search",
  "s_clickout",
  "s_steps_since",
  "s_recency",
  "is_last_touched",
  "last_touched_slot",
  "slot_minus_last_touched",
  "touched_rank",
  "i_impressions",
  "i_clickouts",
  "i_ctr",
  "i_exam_ctr",
  "i_interactions",
  "covisit_sum",
  "covisit_max",
  "user_clicked_before",
  "city_pop",
  "global_pop",
  "session_step",
  "session_items",
  "exam_ctr_rank",
  "n_filters",
  "s_touched",
  "s_secs_since_touch",
  "last_gap_secs",
  "slot_minus_second_touched",
  "slot_minus_extrapolated",
  "last_type",
  "price_vs_touched",
  "in_prev_list",
  "touched_in_list",
  "prev_pos",
  "touched_rank_in_list",
  "touches_over_max",
  "price_over_min",
  "slot_minus_last_clickout",
  "s_clickout_last",
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
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = F;

/** "Never touched" as a number a tree can split on and a linear model can ignore. */
export const NEVER = 1000;
const CTR_PRIOR_CLICKS = 0.4;
const CTR_PRIOR_IMPRESSIONS = 10;

const T_IMAGE = itemEventIndex("ITEM_IMAGE");
const T_INFO = itemEventIndex("ITEM_INFO");
const T_RATING = itemEventIndex("ITEM_RATING");
const T_DEALS = itemEventIndex("ITEM_DEALS");
const T_SEARCH = itemEventIndex("SEARCH_ITEM");
const T_CLICKOUT = itemEventIndex("CLICKOUT");

/**
 * Row-major matrix: candidate i's features at [i * FEATURE_COUNT, (i+1) * FEATURE_COUNT).
 * Pure: the same snapshot and reads give the same numbers live, in replay and in training.
 */
export function featureMatrix(
  snap: SessionSnapshot,
  list: CandidateList,
  data: CandidateData,
): Float64Array {
  const n = list.items.length;
  const m = new Float64Array(n * FEATURE_COUNT);
  const slotOf = new Map<string, number>();
  for (let i = 0; i < n; i++) slotOf.set(list.items[i]!, i);
  const lastTouchedSlot = snap.touched[0] !== undefined ? (slotOf.get(snap.touched[0]) ?? -1) : -1;
  const touchedRank = new Map<string, number>();
  for (let r = 0; r < snap.touched.length; r++) touchedRank.set(snap.touched[r]!, r);

  const secondSlot = snap.touched[1] !== undefined ? (slotOf.get(snap.touched[1]) ?? -1) : -1;
  // Latest touch time per item and the previous event's time, from the bounded recent log
  // (newest first). Times are those of past events only: never the time of the event
  // being predicted.
  const touchTs = new Map<string, number>();
  let prevTs = -1;
  snap.raw.recent.forEach((r, k) => {
    const parts = r.split("|");
    const ts = Number(parts[3]);
    if (k === 1) prevTs = ts;
    const item = parts[1];
    if (item && !touchTs.has(item)) touchTs.set(item, ts);
  });
  const lastGap = prevTs >= 0 ? (snap.lastTs - prevTs) / 1000 : -1;
  const lastType = snap.lastType
    ? EVENT_TYPES.indexOf(snap.lastType as (typeof EVENT_TYPES)[number])
    : -1;
  const prevSlot = new Map<string, number>();
  if (list.items !== snap.list)
    for (let i = 0; i < snap.list.length; i++) prevSlot.set(snap.list[i]!, i);
  let touchedInList = 0;
  let touchedPriceSum = 0;
  let touchedPriced = 0;
  list.items.forEach((c, i) => {
    if (snap.items.has(c)) {
      touchedInList++;
      const p = list.prices?.[i];
      if (p !== undefined) {
        touchedPriceSum += p;
        touchedPriced++;
      }
    }
  });
  const touchedPriceMean = touchedPriced > 0 ? touchedPriceSum / touchedPriced : 0;
  // List-relative views: a tree scores one row at a time and cannot compare rows itself.
  const inListTouched = list.items
    .map((c, i) => ({ i, si: snap.items.get(c) }))
    .filter((x) => x.si !== undefined)
    .sort((a, b) => b.si!.last - a.si!.last || a.i - b.i);
  const touchedRankInList = new Map<number, number>();
  inListTouched.forEach((x, r) => {
    touchedRankInList.set(x.i, r);
  });
  const maxTouches = inListTouched.reduce((m, x) => Math.max(m, x.si!.n), 0);

  const minPrice = list.prices && list.prices.length > 0 ? Math.min(...list.prices) : 0;
  // The item of the session's latest clickout, from the recent log (newest first).
  let lastClickoutItem: string | undefined;
  for (const r of snap.raw.recent) {
    if (r.startsWith("CLICKOUT|")) {
      lastClickoutItem = r.split("|")[1];
      break;
    }
  }
  const lastClickoutSlot =
    lastClickoutItem !== undefined ? (slotOf.get(lastClickoutItem) ?? -1) : -1;

  const prices = list.prices;
  let priceMean = 0;
  const priceRank = new Float64Array(n).fill(0.5);
  if (prices && prices.length === n && n > 0) {
    priceMean = prices.reduce((a, b) => a + b, 0) / n;
    rankInto(prices, priceRank);
  }
  const examCtr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = data.itemStats[i]!;
    examCtr[i] = (s[2]! + CTR_PRIOR_CLICKS) / (s[1]! + CTR_PRIOR_IMPRESSIONS);
  }
  const examCtrRank = new Float64Array(n).fill(0.5);
  rankInto(examCtr, examCtrRank);

  const content = contentFeatures(snap, list, data);

  // One closure for all rows (not one per row): this loop runs for every candidate of every
  // rescore.
  let row = 0;
  const set = (f: FeatureName, v: number) => {
    m[row + F[f]] = v;
  };
  for (let i = 0; i < n; i++) {
    const c = list.items[i]!;
    row = i * FEATURE_COUNT;
    const s = data.itemStats[i]!;
    const si = snap.items.get(c);

    set("pos", i);
    set("pos_rel", n > 1 ? i / (n - 1) : 0);
    set("list_len", n);
    const price = prices?.[i];
    set("price", price ?? -1);
    set("price_rank", priceRank[i]!);
    set("price_rel", price !== undefined && priceMean > 0 ? price / priceMean : 1);

    set("s_touches", si?.n ?? 0);
    set("s_image", si?.byType[T_IMAGE] ?? 0);
    set("s_info", si?.byType[T_INFO] ?? 0);
    set("s_rating", si?.byType[T_RATING] ?? 0);
    set("s_deals", si?.byType[T_DEALS] ?? 0);
    set("s_search", si?.byType[T_SEARCH] ?? 0);
    set("s_clickout", si?.byType[T_CLICKOUT] ?? 0);
    const since = si ? Math.max(0, snap.step - si.last) : NEVER;
    set("s_steps_since", since);
    set("s_recency", si ? 1 / (1 + since) : 0);
    set("is_last_touched", snap.touched[0] === c ? 1 : 0);
    set("last_touched_slot", lastTouchedSlot);
    set("slot_minus_last_touched", lastTouchedSlot >= 0 ? i - lastTouchedSlot : NEVER);
    set("touched_rank", touchedRank.get(c) ?? NEVER);

    let interactions = 0;
    for (let t = 0; t < 9; t++) if (t !== T_CLICKOUT) interactions += s[4 + t]!;
    set("i_impressions", Math.log1p(s[0]!));
    set("i_clickouts", Math.log1p(s[2]!));
    set("i_ctr", (s[2]! + CTR_PRIOR_CLICKS) / (s[0]! + CTR_PRIOR_IMPRESSIONS));
    set("i_exam_ctr", examCtr[i]!);
    set("i_interactions", Math.log1p(interactions));

    let cvSum = 0;
    let cvMax = 0;
    for (let srcRank = 0; srcRank < data.covisit.length; srcRank++) {
      const v = data.covisit[srcRank]![i] ?? 0;
      cvSum += v / (1 + srcRank);
      if (v > cvMax) cvMax = v;
    }
    set("covisit_sum", Math.log1p(cvSum));
    set("covisit_max", Math.log1p(cvMax));
    set("user_clicked_before", data.userHistory?.[i] != null ? 1 : 0);
    set("city_pop", Math.log1p(data.cityPopularity?.[i] ?? 0));
    set("global_pop", Math.log1p(data.globalPopularity[i] ?? 0));
    set("session_step", snap.step);
    set("session_items", snap.items.size);
    set("exam_ctr_rank", examCtrRank[i]!);
    set("n_filters", snap.filters.length);
    set("s_touched", si ? 1 : 0);
    const tts = touchTs.get(c);
    set("s_secs_since_touch", tts !== undefined ? (snap.lastTs - tts) / 1000 : NEVER * 100);
    set("last_gap_secs", lastGap);
    set("slot_minus_second_touched", secondSlot >= 0 ? i - secondSlot : NEVER);
    set(
      "slot_minus_extrapolated",
      lastTouchedSlot >= 0 && secondSlot >= 0 ? i - (2 * lastTouchedSlot - secondSlot) : NEVER,
    );
    set("last_type", lastType);
    set(
      "price_vs_touched",
      price !== undefined && touchedPriceMean > 0 ? price / touchedPriceMean : -1,
    );
    const pp = list.items === snap.list ? i : prevSlot.get(c);
    set("in_prev_list", pp !== undefined ? 1 : 0);
    set("touched_in_list", touchedInList);
    set("prev_pos", pp ?? -1);
    set("touched_rank_in_list", touchedRankInList.get(i) ?? NEVER);
    set("touches_over_max", si && maxTouches > 0 ? si.n / maxTouches : 0);
    set("price_over_min", price !== undefined && minPrice > 0 ? price / minPrice : -1);
    set("slot_minus_last_clickout", lastClickoutSlot >= 0 ? i - lastClickoutSlot : NEVER);
    set("s_clickout_last", lastClickoutItem === c ? 1 : 0);

    const meta = data.meta[i];
    set("c_in_catalogue", meta?.inCatalogue ? 1 : 0);
    set("c_sim_touched_max", content.simMax[i]!);
    set("c_sim_touched_mean", content.simMean[i]!);
    set("c_sim_last_clickout", content.simClickout[i]!);
    set("c_filters_met", data.filtersMet[i] ?? 0);
    set(
      "c_filters_frac",
      snap.filters.length > 0 ? (data.filtersMet[i] ?? 0) / snap.filters.length : -1,
    );
    set("c_stars", meta?.stars ?? -1);
    set("c_stars_rank", content.starsRank[i]!);
    set("c_rating", meta?.rating ?? -1);
    set("c_rating_rank", content.ratingRank[i]!);
  }
  return m;
}

/**
 * Content features of each candidate: estimated Jaccard similarity of its properties to
 * the session's latest items other than itself (max and mean; -1 when either side has
 * no properties) and to the last clicked-out item, and the rank of its stars and rating
 * within the list (0.5 when unknown, like a tie with everything).
 */
function contentFeatures(snap: SessionSnapshot, list: CandidateList, data: CandidateData) {
  const n = list.items.length;
  const simMax = new Float64Array(n).fill(-1);
  const simMean = new Float64Array(n).fill(-1);
  const simClickout = new Float64Array(n).fill(-1);
  const starsRank = new Float64Array(n).fill(0.5);
  const ratingRank = new Float64Array(n).fill(0.5);
  for (let i = 0; i < n; i++) {
    const sig = data.meta[i]?.signature;
    if (!sig) continue;
    let max = -1;
    let sum = 0;
    let count = 0;
    data.touchedSignatures.forEach((t, k) => {
      if (!t || snap.touched[k] === list.items[i]) return;
      const s = similarity(sig, t);
      if (s > max) max = s;
      sum += s;
      count++;
    });
    simMax[i] = max;
    simMean[i] = count > 0 ? sum / count : -1;
    if (data.lastClickoutSignature) simClickout[i] = similarity(sig, data.lastClickoutSignature);
  }
  // Most candidates of most lists have no catalogue entry: nothing to rank then.
  if (data.meta.some((m) => m?.stars !== undefined || m?.rating !== undefined)) {
    rankKnown(
      data.meta.map((m) => m?.stars),
      starsRank,
    );
    rankKnown(
      data.meta.map((m) => m?.rating),
      ratingRank,
    );
  }
  return { simMax, simMean, simClickout, starsRank, ratingRank };
}

/** rankInto over the candidates with a value; the others keep their default. */
function rankKnown(values: (number | undefined)[], out: Float64Array): void {
  const idx: number[] = [];
  const known: number[] = [];
  values.forEach((v, i) => {
    if (v !== undefined) {
      idx.push(i);
      known.push(v);
    }
  });
  const r = new Float64Array(known.length).fill(0.5);
  rankInto(known, r);
  idx.forEach((i, k) => {
    out[i] = r[k]!;
  });
}

/** Normalised ascending rank in [0, 1]; ties share their mean rank. */
function rankInto(values: ArrayLike<number>, out: Float64Array): void {
  const n = values.length;
  if (n <= 1) return;
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => values[a]! - values[b]!);
  let k = 0;
  while (k < n) {
    let e = k;
    while (e + 1 < n && values[idx[e + 1]!] === values[idx[k]!]) e++;
    const r = (k + e) / 2 / (n - 1);
    for (let q = k; q <= e; q++) out[idx[q]!] = r;
    k = e + 1;
  }
}
