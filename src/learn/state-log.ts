import { appendFileSync } from "node:fs";
import { FEATURE_COUNT, FEATURE_NAMES } from "../features/vector/names.ts";
import type { StateRecorder } from "../ingest/engine.ts";
import { readLines } from "../ingest/sources/lines.ts";
import type { RankingDataset } from "./dataset.ts";

/**
 * Saved states recorded from live traffic, one JSON line per clickout or purchase: the
 * features of every shown item as the live scorer computed them just before the event,
 * and which item was chosen. `train --states <file>` fits a model from them, so a running
 * service can be retrained on what it actually served.
 */
export interface SavedState {
  sessionId: string;
  timestamp: number;
  type: string;
  items: string[];
  chosen: string;
  featureNames: string[];
  features: number[][];
}

export function fileStateRecorder(path: string): StateRecorder {
  return ({ event, list, matrix }) => {
    const features: number[][] = [];
    for (let i = 0; i < list.items.length; i++)
      features.push(Array.from(matrix.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
    const state: SavedState = {
      sessionId: event.sessionId,
      timestamp: event.timestamp,
      type: event.type,
      items: [...list.items],
      chosen: event.itemId ?? "",
      featureNames: [...FEATURE_NAMES],
      features,
    };
    // Synchronous append: a line is whole or absent, never interleaved with another.
    appendFileSync(path, `${JSON.stringify(state)}\n`);
  };
}

/** Reads saved states into ranking groups (by feature name, so older logs stay usable). */
export async function readStates(
  path: string,
): Promise<{ dataset: RankingDataset; sessions: string[]; bad: number }> {
  const dataset: RankingDataset = { featureNames: [...FEATURE_NAMES], groups: [] };
  const sessions: string[] = [];
  let bad = 0;
  for await (const { text } of readLines(path)) {
    if (text.trim() === "") continue;
    try {
      const s = JSON.parse(text) as SavedState;
      const col = FEATURE_NAMES.map((f) => s.featureNames.indexOf(f));
      const labels = s.items.map((c) => (c === s.chosen ? 1 : 0));
      if (!labels.includes(1)) continue;
      dataset.groups.push({
        labels,
        features: s.features.map((row) => col.map((j) => (j >= 0 ? (row[j] ?? 0) : 0))),
      });
      sessions.push(s.sessionId);
    } catch {
      bad++;
    }
  }
  return { dataset, sessions, bad };
}
