/**
 * Ranking metrics for offline evaluation and early stopping. Ties are broken by original index
 * (a stable sort), which is what the live ranker does, so equal scores are not silently
 * credited to the clicked item. NaN scores rank last. An item is relevant when its label > 0.
 */
import type { RankingGroup } from "./dataset.ts";

function key(s: number): number {
  return Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
}

function checkLengths(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) {
    throw new RangeError(
      `scores has length ${scores.length} but labels has length ${labels.length}`,
    );
  }
}

/** 1 / (rank of the first relevant item by descending score); 0 when nothing is relevant. */
export function reciprocalRank(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(scores, labels);
  // The first relevant item in the sorted order is the best-scored relevant one (earliest on ties);
  // counting who beats it is O(n) and needs no sort.
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i]! > 0)) continue;
    const s = key(scores[i]!);
    if (best < 0 || s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  if (best < 0) return 0;
  let rank = 1;
  for (let j = 0; j < scores.length; j++) {
    const s = key(scores[j]!);
    if (s > bestScore || (s === bestScore && j < best)) rank++;
  }
  return 1 / rank;
}

/** Mean of reciprocalRank over groups, scoring each item with scoreFn; 0 for no groups. */
export function meanReciprocalRank(
  groups: readonly RankingGroup[],
  scoreFn: (features: ArrayLike<number>) => number,
): number {
  if (groups.length === 0) return 0;
  let sum = 0;
  for (const g of groups) sum += reciprocalRank(g.features.map(scoreFn), g.labels);
  return sum / groups.length;
}

function dcg(labelsInOrder: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += (2 ** labelsInOrder[p]! - 1) / Math.log2(p + 2);
  return s;
}

/**
 * NDCG@k with exponential gain (2^label - 1) and log2 discount; k defaults to the whole list.
 * 0 when nothing is relevant, consistent with reciprocalRank.
 */
export function ndcg(scores: ArrayLike<number>, labels: ArrayLike<number>, k?: number): number {
  checkLengths(scores, labels);
  const n = labels.length;
  if (k !== undefined && !(k >= 1)) throw new RangeError(`ndcg: k must be >= 1, got ${k}`);
  const cut = Math.min(n, k ?? n);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => key(scores[b]!) - key(scores[a]!) || a - b);
  const ideal = Array.from(labels).sort((a, b) => b - a);
  const idcg = dcg(ideal, cut);
  if (!(idcg > 0)) return 0;
  return (
    dcg(
      order.map((i) => labels[i]!),
      cut,
    ) / idcg
  );
}
