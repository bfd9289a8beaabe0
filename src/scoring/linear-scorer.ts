import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../features/vector.ts";
import type { Scorer } from "./scorer.ts";

/**
 * The transparent, hand-weighted scorer: in-session recency and frequency of touches
 * dominate (what the RecSys 2019 teams found to matter most), the shown position is the
 * prior, and item CTR, co-visitation and user history break the rest.
 */
export const HAND_WEIGHTS: Partial<Record<FeatureName, number>> = {
  pos: -0.08,
  is_last_touched: 4,
  s_recency: 2,
  s_touches: 0.3,
  s_clickout: 0.5,
  user_clicked_before: 0.8,
  i_exam_ctr: 3,
  covisit_sum: 0.4,
};

/** Values that lift nothing: a reason is a lift above these (the CTR prior, for one). */
const NEUTRAL: Partial<Record<FeatureName, number>> = { i_exam_ctr: 0.04 };

const MIN_REASON = 0.05;

export class LinearScorer implements Scorer {
  readonly name: string;
  private readonly w = new Float64Array(FEATURE_COUNT);

  constructor(weights: Partial<Record<FeatureName, number>> = HAND_WEIGHTS, name = "hand-weighted-v1") {
    this.name = name;
    for (const [f, v] of Object.entries(weights)) this.w[FEATURE_INDEX[f as FeatureName]] = v ?? 0;
  }

  score(matrix: Float64Array, n: number, out: Float64Array): void {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * FEATURE_COUNT;
      for (let f = 0; f < FEATURE_COUNT; f++) s += this.w[f]! * matrix[row + f]!;
      out[i] = s;
    }
  }

  reasons(matrix: Float64Array, i: number, max: number): string[] {
    const row = i * FEATURE_COUNT;
    const lifts: [string, number][] = [];
    for (const [f, w] of Object.entries(HAND_WEIGHTS) as [FeatureName, number][]) {
      const c = w * (matrix[row + FEATURE_INDEX[f]]! - (NEUTRAL[f] ?? 0));
      if (c > MIN_REASON) lifts.push([f, c]);
    }
    return lifts.sort((a, b) => b[1] - a[1]).slice(0, max).map(([f]) => f);
  }
}
