import type { SessionSnapshot } from "../features/session-snapshot.ts";
import type { CandidateList } from "../features/vector/family.ts";
import { vectorPlan } from "../features/vector/matrix.ts";
import { rankCandidates } from "../scoring/rank.ts";
import { map, type ReadPlan } from "../state/read-plan.ts";
import type { Deps } from "./deps.ts";
import { type RankedList, rankedList } from "./recommendation-list.ts";

/** The features of a list exactly as the live scorer sees them (also saved states, training). */
export function featurePlan(
  deps: Deps,
  snap: SessionSnapshot,
  list: CandidateList,
): ReadPlan<Float64Array> {
  return vectorPlan(deps.keys, snap, list);
}

/** A list reranked by the model in use, its best `limit` items. */
export function rerankPlan(
  deps: Deps,
  snap: SessionSnapshot,
  list: CandidateList,
  limit: number,
): ReadPlan<RankedList> {
  return map(featurePlan(deps, snap, list), (matrix) => {
    const scorer = deps.models.scorer;
    return rankedList(rankCandidates(scorer, list.items, matrix, limit), "RERANK", scorer);
  });
}

/** Candidates as a list to score: with the session's prices when it shows every one of them. */
export function candidateList(snap: SessionSnapshot, items: readonly string[]): CandidateList {
  if (!snap.prices) return { items, prices: undefined };
  const priceOf = new Map<string, number>();
  snap.list.forEach((id, i) => {
    priceOf.set(id, snap.prices![i]!);
  });
  const prices = items.map((id) => priceOf.get(id));
  return {
    items,
    prices: prices.every((p) => p !== undefined) ? (prices as number[]) : undefined,
  };
}
