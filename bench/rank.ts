/**
 * Micro-benchmark of one rescore's model work: 25 candidates scored with the shipped model,
 * sorted, and the reasons of each computed (rankCandidates), beside scoring alone.
 *   npx tsx bench/rank.ts
 */
import { defaultConfig } from "../src/config.ts";
import { FEATURE_COUNT } from "../src/features/vector.ts";
import { loadScorer } from "../src/scoring/load-scorer.ts";
import { rankCandidates } from "../src/scoring/rank.ts";

const scorer = await loadScorer(defaultConfig());
const n = 25;
const m = new Float64Array(n * FEATURE_COUNT);
for (let i = 0; i < m.length; i++) m[i] = Math.random() * 10;
const items = Array.from({ length: n }, (_, i) => `i${i}`);
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now();
  for (let k = 0; k < 20000; k++) rankCandidates(scorer, items, m, n);
  const full = ((performance.now() - t0) / 20000) * 1000;
  t0 = performance.now();
  const out = new Float64Array(n);
  for (let k = 0; k < 20000; k++) scorer.score(m, n, out);
  const sc = ((performance.now() - t0) / 20000) * 1000;
  console.log(
    `rank+reasons ${full.toFixed(1)} us, score only ${sc.toFixed(1)} us (${scorer.name})`,
  );
}
