/**
 * The CPU of one rescore, part by part, on real lists: the trivago sample is replayed into a
 * memory store and about 2,500 (session, list) states are captured with their store reads
 * (as strings, as Redis returns them); each part then runs over all of them.
 *   npx tsx bench/rescore.ts
 * Prints µs per rescore (mean list length ~24) for five rounds; read the later, warm ones.
 */
import { defaultConfig } from "../src/config.ts";
import type { SessionSnapshot } from "../src/features/session-snapshot.ts";
import type { CandidateList } from "../src/features/vector/family.ts";
import { vectorPlan } from "../src/features/vector/matrix.ts";
import { payloadParts } from "../src/publish/payload.ts";
import { loadScorer } from "../src/scoring/load-scorer.ts";
import { ModelHolder } from "../src/scoring/model-holder.ts";
import { rankCandidates } from "../src/scoring/rank.ts";
import { createServices } from "../src/services.ts";
import { MemoryStore } from "../src/state/memory-store.ts";
import type { ReadValue } from "../src/state/store.ts";
import { loadSample } from "./lib/sample.ts";

const sample = await loadSample();
const config = defaultConfig();
const scorer = await loadScorer(config);
const store = new MemoryStore();
const { engine, deps } = createServices(store, config, new ModelHolder(scorer));
const asRedis = (v: ReadValue): ReadValue =>
  Array.isArray(v) ? (v.map((x) => (typeof x === "number" ? String(x) : x)) as ReadValue) : v;
const cases: {
  snap: SessionSnapshot;
  list: CandidateList;
  values: ReadValue[];
  parse: (values: ReadValue[]) => Float64Array;
}[] = [];
let k = 0;
for (const e of sample.events.slice(0, 30_000)) {
  await engine.track(e);
  if (k++ % 5 !== 0 || cases.length >= 2500) continue;
  const snap = await engine.snapshot(e.sessionId);
  if (snap.list.length === 0) continue;
  const list = { items: snap.list, prices: snap.prices };
  const plan = vectorPlan(deps.keys, snap, list);
  const values = (await store.read(plan.reads)).map(asRedis);
  cases.push({ snap, list, values, parse: (v) => plan.parse(v, 0) });
}
const meanLen = cases.reduce((a, c) => a + c.list.items.length, 0) / cases.length;
console.log(`${cases.length} lists, mean length ${meanLen.toFixed(1)}; µs per rescore:`);
let sink = 0;
const us = (t0: number) => (((performance.now() - t0) / cases.length) * 1000).toFixed(1);
for (let round = 0; round < 5; round++) {
  let t0 = performance.now();
  // The feature families parse their reads and fill their columns in one pass.
  const mats = cases.map((c) => c.parse(c.values));
  const tFeatures = us(t0);
  t0 = performance.now();
  for (const [i, c] of cases.entries()) {
    const n = c.list.items.length;
    scorer.score(mats[i]!, n, new Float64Array(n));
  }
  const tScore = us(t0);
  t0 = performance.now();
  const ranked = cases.map((c, i) => rankCandidates(scorer, c.list.items, mats[i]!, 1000));
  const tRank = us(t0);
  t0 = performance.now();
  for (const r of ranked) for (const it of r) sink += it.reasons.length;
  const tReasons = us(t0);
  t0 = performance.now();
  for (const items of ranked)
    sink += payloadParts({
      sessionId: "s",
      items,
      trigger: null,
      generatedAt: 1,
      source: "RERANK",
      model: scorer.name,
    }).head.length;
  const tPayload = us(t0);
  console.log(
    `parse reads and features ${tFeatures}; score ${tScore}; rank (score + sort) ${tRank}; reasons of every item ${tReasons}; published payload JSON ${tPayload}`,
  );
}
if (sink < 0) console.log(sink);
