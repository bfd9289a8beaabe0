import type { EventType } from "../domain/event-type.ts";
import type { RankedItem } from "../scoring/rank.ts";
import type { Scorer } from "../scoring/scorer.ts";

export type ListSource = "RERANK" | "NEXT_ITEM";

/** What subscribers receive and `recommendations` returns. */
export interface RecommendationList {
  sessionId: string;
  version: number;
  items: RankedItem[];
  trigger: EventType | null;
  /** Epoch ms of the event that produced the list (event time, never the clock). */
  generatedAt: number;
  source: ListSource;
  model: string;
}

/** A list before the store numbered it (the publish script assigns the version). */
export type ListBody = Omit<RecommendationList, "version">;

/** A ranked list as the read path computes it, before it is addressed to a session. */
export interface RankedList {
  items: RankedItem[];
  source: ListSource;
  /** What ranked it: the scorer's name for a reranked list, "next-item" otherwise. */
  model: string;
}

/** The ranked list of `scorer` (reranked) or of the next-item recommender. */
export function rankedList(items: RankedItem[], source: ListSource, scorer: Scorer): RankedList {
  return { items, source, model: source === "RERANK" ? scorer.name : "next-item" };
}

/**
 * The one place a list's envelope is built: the session, the event that produced it (its
 * type and event time) and the ranked items. Every served and published list comes from
 * here, so a field every list carries is added here once.
 */
export function listBody(
  sessionId: string,
  ranked: RankedList,
  trigger: { type: EventType | null; timestamp: number },
): ListBody {
  return {
    sessionId,
    items: ranked.items,
    trigger: trigger.type,
    generatedAt: trigger.timestamp,
    source: ranked.source,
    model: ranked.model,
  };
}

export function numbered(body: ListBody, version: number): RecommendationList {
  return { ...body, version };
}
