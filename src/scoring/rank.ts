import { FEATURE_COUNT } from "../features/vector/names.ts";
import type { Scorer, ScoreTrace } from "./scorer.ts";

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
  const trace = scorer.score(matrix, n, scores);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const out: RankedItem[] = [];
  for (let r = 0; r < Math.min(limit, n); r++)
    out.push(ranked(scorer, items, matrix, scores, trace, order[r]!, r));
  return out;
}

/**
 * Reasons cost a pass over every tree per item (the leaves the score reached, summed along
 * their paths: about as much as the score itself), and most lists
 * are never explained: an event whose order did not change publishes nothing, and a client
 * that does not select `reasons` never reads them. So they are computed on first read (by
 * a resolver, JSON.stringify of a published payload, or a spread) and then kept. The
 * accessor is an own enumerable property of a literal, so serialisation and spreads see
 * `reasons` like any other field (and a literal is far cheaper than defineProperty).
 */
function ranked(
  scorer: Scorer,
  items: readonly string[],
  matrix: Float64Array,
  scores: Float64Array,
  trace: ScoreTrace | undefined,
  i: number,
  r: number,
): RankedItem {
  let reasons: string[] | undefined;
  return {
    itemId: items[i]!,
    rank: r + 1,
    score: roundScore(scores[i]!),
    get reasons(): string[] {
      if (reasons === undefined) {
        const named = scorer.reasons(matrix, i, MAX_REASONS, trace);
        reasons = named.length > 0 ? named : ["shown_position"];
      }
      return reasons;
    },
    set reasons(v: string[]) {
      reasons = v;
    },
  };
}

/** Six decimals: enough to order, and stable across platforms in published payloads. */
export function roundScore(s: number): number {
  return Math.round(s * 1e6) / 1e6;
}
