/**
 * Micro-benchmark of one rescore's model work on 25 candidates with the shipped model:
 * scoring alone, ranking (score, sort, items whose reasons are computed on first read), and
 * ranking with every item's reasons read (as a published list is).
 *   npx tsx bench/rank.ts
 */
import { defaultConfig } from "../src/config.ts";
import { FEATURE_COUNT } from "../src/features/vector/names.ts";
import { loadScorer } from "../src/scoring/load-scorer.ts";
import { rankCandidates } from "../src/scoring/rank.ts";

const scorer = await loadScorer(defaultConfig());
const n = 25;
const m = new Float64Array(n * FEATURE_COUNT);
for (let i = 0; i < m.length; i++) m[i] = Math.random() * 10;
const items = Array.from({ length: n }, (_, i) => `i${i}`);
const REPS = 20000;
const time = (f: () => void) => {
  const t0 = performance.now();
  for (let k = 0; k < REPS; k++) f();
  return (((performance.now() - t0) / REPS) * 1000).toFixed(1);
};
const out = new Float64Array(n);
let sink = 0;
for (let rep = 0; rep < 3; rep++) {
  const score = time(() => scorer.score(m, n, out));
  const rank = time(() => {
    sink += rankCandidates(scorer, items, m, n).length;
  });
  const explained = time(() => {
    for (const it of rankCandidates(scorer, items, m, n)) sink += it.reasons.length;
  });
  console.log(
    `${scorer.name}: score ${score} us; rank ${rank} us; rank + reasons read ${explained} us (25 candidates)`,
  );
}
if (sink < 0) console.log(sink);
