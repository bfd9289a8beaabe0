import { type RawItemInput, validateItems } from "../../src/catalog/item.ts";
import type { EventType, SessionEvent } from "../../src/domain/event-type.ts";
import { validateEvent } from "../../src/domain/validate-event.ts";
import type { SessionSnapshot } from "../../src/features/session-snapshot.ts";
import type { CandidateList } from "../../src/features/vector/family.ts";
import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../../src/features/vector/names.ts";
import { candidateList } from "../../src/recommend/rerank.ts";
import { makeEngine, type TestEngine } from "./stores.ts";

/** Event time of a hand-made session: T0 plus whole seconds. */
export const T0 = Date.UTC(2024, 0, 1);
export const at = (seconds: number) => T0 + seconds * 1000;

/** One event as a client sends it, validated at the edge as the API would. */
export function event(
  sessionId: string,
  seconds: number,
  type: EventType,
  extra: Partial<SessionEvent> = {},
): SessionEvent {
  const r = validateEvent({ sessionId, timestamp: at(seconds), type, ...extra }, LIMITS, 0);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
const LIMITS = {
  MAX_IMPRESSIONS: 300,
  MAX_LIST_ITEMS: 50,
  MAX_STRING_LENGTH: 256,
  MAX_ID_LENGTH: 128,
};

export interface FeatureWorld {
  t: TestEngine;
  /** The session's state now. */
  snapshot(sessionId: string): Promise<SessionSnapshot>;
  /**
   * The feature rows of a list of the session, by item and feature name: its own shown
   * list, or `candidates` (reranked as `recommendations(candidates:)` would).
   */
  rows(sessionId: string, candidates?: string[]): Promise<(item: string, f: FeatureName) => number>;
  close(): Promise<void>;
}

/** A memory store with the given catalogue and events applied through the Engine. */
export async function world(
  events: readonly SessionEvent[],
  items: readonly RawItemInput[] = [],
): Promise<FeatureWorld> {
  const t = makeEngine("memory");
  if (items.length > 0) {
    const checked = validateItems(items, t.config);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    await t.services.catalog.upsert(checked.value);
  }
  for (const e of events) await t.engine.ingest(e);
  return {
    t,
    snapshot: (s) => t.recommender.snapshot(s),
    async rows(sessionId, candidates) {
      const snap = await t.recommender.snapshot(sessionId);
      const list: CandidateList = candidates
        ? candidateList(snap, candidates)
        : { items: snap.list, prices: snap.prices };
      const m = await t.recommender.features(snap, list);
      return (item, f) => {
        const i = list.items.indexOf(item);
        if (i < 0) throw new Error(`${item} is not a candidate`);
        return m[i * FEATURE_COUNT + FEATURE_INDEX[f]]!;
      };
    },
    close: () => t.close(),
  };
}

/** Every item's value of one feature, in the given order. */
export function column(
  row: (item: string, f: FeatureName) => number,
  items: readonly string[],
  f: FeatureName,
): number[] {
  return items.map((i) => row(i, f));
}
