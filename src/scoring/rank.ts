import { FEATURE_COUNT } from "../features/vector.ts";
import type { Scorer } from "./scorer.ts";

export interface RankedItem {
  itemId: string;
  rank: number;
  score: number;
  reasons: string[];
}

const MAX_REASONS = 3;

/** Scores candidates and sorts them; ties keep the shown order, so ranking is stable. */
export function rankCandidates(
  scorer: Scorer,
  items: readonly string[],
  matrix: Float64Array,
  limit: number,
): RankedItem[] {
  const n = items.length;
  if (matrix.length !== n * FEATURE_COUNT)
    throw new Error("feature matrix does not match candidates");
  const scores = new Float64Array(n);
  scorer.score(matrix, n, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const out: RankedItem[] = [];
  for (let r = 0; r < Math.min(limit, n); r++) {
    const i = order[r]!;
    const reasons = scorer.reasons(matrix, i, MAX_REASONS);
    out.push({
      itemId: items[i]!,
      rank: r + 1,
      score: roundScore(scores[i]!),
      reasons: reasons.length > 0 ? reasons : ["shown_position"],
    });
  }
  return out;
}

/** Six decimals: enough to order, and stable across platforms in published payloads. */
export function roundScore(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
