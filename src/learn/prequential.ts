import type { SessionEvent } from "../domain/event-type.ts";
import { FEATURE_COUNT, FEATURE_INDEX, NEVER } from "../features/vector/names.ts";
import type { Scorer } from "../scoring/scorer.ts";
import type { Services } from "../services.ts";
import type { RankingGroup } from "./dataset.ts";
import { reciprocalRank } from "./metrics.ts";

export interface MrrStats {
  mrr_last: number;
  mrr_all: number;
  n_last: number;
  n_all: number;
}

export const BASELINES = ["shown_order", "popularity", "session_interacted_first"] as const;
export type Baseline = (typeof BASELINES)[number];

export interface PrequentialResult {
  model: MrrStats;
  baselines: Record<Baseline, MrrStats>;
  /** Saved states: one group per scored clickout (features of every shown item, label). */
  groups: RankingGroup[];
  /** Per group, whether it was its session's last clickout. */
  lastFlags: boolean[];
  /** Per group, its session (validation splits go by session, never by row). */
  groupSessions: string[];
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Clickouts whose item was not in the list shown: scored 0, as the challenge did. */
  clickedNotShown: number;
}

/** A clickout as it was scored: the shown list's feature rows and which item was chosen. */
export interface ScoredClickout {
  sessionId: string;
  /** Row-major, FEATURE_COUNT columns, one row per shown item. */
  matrix: Float64Array;
  /** 1 for the clicked item; all 0 when it was not in the list (that clickout scores 0). */
  labels: number[];
  /** Whether it was its session's last clickout (the challenge's target). */
  isLast: boolean;
}

export interface PrequentialOptions {
  scorer?: Scorer;
  /** Keep the feature matrices (training data). */
  collect?: boolean;
  /** Every scored clickout, in replay order, before it is ingested (export-features). */
  onClickout?: (clickout: ScoredClickout) => void | Promise<void>;
  onProgress?: (done: number, total: number) => void;
}

const POS = FEATURE_INDEX.pos;
const CLICKS = FEATURE_INDEX.i_clickouts;
const TOUCHED = FEATURE_INDEX.touched_rank;

/** Scores of each baseline, from the very feature matrix the model sees. */
const baselineScore: Record<Baseline, (m: Float64Array, i: number) => number> = {
  shown_order: (m, i) => -m[i * FEATURE_COUNT + POS]!,
  popularity: (m, i) => m[i * FEATURE_COUNT + CLICKS]!,
  session_interacted_first: (m, i) => {
    const r = m[i * FEATURE_COUNT + TOUCHED]!;
    return r >= NEVER ? 0 : NEVER - r;
  },
};

/**
 * Prequential replay: every clickout that carries its list is scored from the state
 * before it (its list, the session and all accumulators as of the previous event), then
 * the clickout is ingested. Nothing of a clickout counts towards its own features, and no
 * timestamp of the clickout itself is a feature.
 */
export async function prequential(
  { engine, recommender }: Pick<Services, "engine" | "recommender">,
  events: readonly SessionEvent[],
  opts: PrequentialOptions = {},
): Promise<PrequentialResult> {
  const lastClickout = new Map<string, number>();
  events.forEach((e, i) => {
    if (isTarget(e)) lastClickout.set(e.sessionId, i);
  });
  const done = new Set<string>();
  const sums = {
    model: new Acc(),
    ...Object.fromEntries(BASELINES.map((b) => [b, new Acc()])),
  } as Record<"model" | Baseline, Acc>;
  const groups: RankingGroup[] = [];
  const lastFlags: boolean[] = [];
  const groupSessions: string[] = [];
  let clickedNotShown = 0;
  const started = performance.now();

  for (let idx = 0; idx < events.length; idx++) {
    const e = events[idx]!;
    const before = await engine.snapshot(e.sessionId);
    if (isTarget(e) && !done.has(e.sessionId)) {
      const list = { items: e.impressions!, prices: e.prices };
      const matrix = await recommender.features(before, list);
      const n = list.items.length;
      const labels = list.items.map((c) => (c === e.itemId ? 1 : 0));
      if (!labels.includes(1)) clickedNotShown++;
      const isLast = lastClickout.get(e.sessionId) === idx;
      const scores = new Float64Array(n);
      if (opts.scorer) {
        opts.scorer.score(matrix, n, scores);
        sums.model.add(reciprocalRank(scores, labels), isLast);
      }
      for (const b of BASELINES) {
        for (let i = 0; i < n; i++) scores[i] = baselineScore[b](matrix, i);
        sums[b].add(reciprocalRank(scores, labels), isLast);
      }
      if (opts.onClickout)
        await opts.onClickout({ sessionId: e.sessionId, matrix, labels, isLast });
      if (opts.collect && labels.includes(1)) {
        const features: Float64Array[] = [];
        for (let i = 0; i < n; i++)
          features.push(matrix.slice(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
        groups.push({ features, labels });
        lastFlags.push(isLast);
        groupSessions.push(e.sessionId);
      }
      // The challenge never showed rows after a session's last clickout.
      if (isLast) done.add(e.sessionId);
    }
    await engine.ingest(e, before);
    if (opts.onProgress && idx % 5000 === 0) opts.onProgress(idx, events.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    model: sums.model.stats(),
    baselines: Object.fromEntries(BASELINES.map((b) => [b, sums[b].stats()])) as Record<
      Baseline,
      MrrStats
    >,
    groups,
    lastFlags,
    groupSessions,
    events: events.length,
    seconds,
    eventsPerSecond: events.length / Math.max(seconds, 1e-9),
    clickedNotShown,
  };
}

function isTarget(e: SessionEvent): boolean {
  return e.type === "CLICKOUT" && e.itemId !== undefined && (e.impressions?.length ?? 0) > 0;
}

class Acc {
  private all = 0;
  private nAll = 0;
  private last = 0;
  private nLast = 0;
  add(rr: number, isLast: boolean): void {
    this.all += rr;
    this.nAll++;
    if (isLast) {
      this.last += rr;
      this.nLast++;
    }
  }
  stats(): MrrStats {
    return {
      mrr_last: round4(this.nLast ? this.last / this.nLast : 0),
      mrr_all: round4(this.nAll ? this.all / this.nAll : 0),
      n_last: this.nLast,
      n_all: this.nAll,
    };
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
