import { once } from "node:events";
import { createWriteStream, writeFileSync } from "node:fs";
import type { Config } from "../config.ts";
import type { SessionEvent } from "../domain/event-type.ts";
import { FEATURE_COUNT, FEATURE_NAMES } from "../features/vector/names.ts";
import { LinearScorer } from "../scoring/linear-scorer.ts";
import { ModelHolder } from "../scoring/model-holder.ts";
import { createServices } from "../services.ts";
import { MemoryStore } from "../state/memory-store.ts";
import { type MrrStats, prequential } from "./prequential.ts";

/**
 * Saved states in the libsvm ranking format XGBoost and LightGBM read, written from a
 * prequential replay onto a fresh store, the very rows `evaluate` scores for the same log:
 * - `<out>`: one row per shown item, `label index:value ...`, 0-based feature indices;
 * - `<out>.group`: rows per clickout, one clickout per line, every scored clickout (all
 *   labels 0 when the clicked item was not in the list, which scores 0 as in `evaluate`);
 * - `<out>.features.json`: the feature names in column order (set them on the DMatrix, so
 *   the saved model names its features and the scorer maps them by name);
 * - `<out>.clickouts.tsv`: per clickout, its session and whether it was the session's last
 *   (for MRR on last clickouts, and for splitting by session).
 * Every feature of every row is written, zeros included: XGBoost reads an index absent
 * from a row as missing, not 0, and would learn a function the service never scores. Only
 * NaN is left out, which both XGBoost and the scorer treat as missing.
 */
export interface ExportSummary {
  clickouts: number;
  lastClickouts: number;
  rows: number;
  clickedNotShown: number;
  features: number;
  files: string[];
  /** `session_interacted_first` over the exported clickouts, as `evaluate` reports it. */
  sessionInteractedFirst: MrrStats;
  seconds: number;
}

/** One libsvm row: the label, then every feature as `index:value` (shortest exact form). */
export function libsvmRow(label: number, matrix: Float64Array, row: number): string {
  let line = String(label);
  const at = row * FEATURE_COUNT;
  for (let k = 0; k < FEATURE_COUNT; k++) {
    const v = matrix[at + k]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isFinite(v))
      throw new RangeError(`feature ${FEATURE_NAMES[k]} is ${v}: libsvm has no infinity`);
    // String() of a float64 reads back as the same float64 (and so the same float32).
    line += ` ${k}:${v}`;
  }
  return line;
}

/** A text file written line by line, waiting when the stream's buffer is full. */
function lines(path: string): { write(s: string): Promise<void>; end(): Promise<void> } {
  const stream = createWriteStream(path);
  let failed: Error | undefined;
  stream.on("error", (err) => {
    failed = err;
  });
  return {
    async write(s) {
      if (failed) throw failed;
      if (!stream.write(`${s}\n`)) await once(stream, "drain");
    },
    async end() {
      if (failed) throw failed;
      stream.end();
      await once(stream, "finish");
    },
  };
}

export async function exportFeatures(
  events: readonly SessionEvent[],
  config: Config,
  out: string,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<ExportSummary> {
  const rows = lines(out);
  const groups = lines(`${out}.group`);
  const clickouts = lines(`${out}.clickouts.tsv`);
  await clickouts.write("session_id\tlast");
  let nRows = 0;
  let nLast = 0;
  // The same replay as `evaluate` and `train`: a fresh store, scored before each clickout.
  const services = createServices(new MemoryStore(), config, new ModelHolder(new LinearScorer()));
  const r = await prequential(services, events, {
    onProgress: opts.onProgress,
    onClickout: async ({ sessionId, matrix, labels, isLast }) => {
      for (let i = 0; i < labels.length; i++) await rows.write(libsvmRow(labels[i]!, matrix, i));
      await groups.write(String(labels.length));
      await clickouts.write(`${sessionId}\t${isLast ? 1 : 0}`);
      nRows += labels.length;
      if (isLast) nLast++;
    },
  });
  await Promise.all([rows.end(), groups.end(), clickouts.end()]);
  writeFileSync(`${out}.features.json`, `${JSON.stringify(FEATURE_NAMES)}\n`);
  const stats = r.baselines.session_interacted_first;
  return {
    clickouts: stats.n_all,
    lastClickouts: nLast,
    rows: nRows,
    clickedNotShown: r.clickedNotShown,
    features: FEATURE_COUNT,
    files: [out, `${out}.group`, `${out}.features.json`, `${out}.clickouts.tsv`],
    sessionInteractedFirst: stats,
    seconds: r.seconds,
  };
}
