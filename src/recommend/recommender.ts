import type { EventType } from "../domain/event-type.ts";
import { type SessionSnapshot, snapshotPlan } from "../features/session-snapshot.ts";
import type { CandidateList } from "../features/vector/family.ts";
import { map, type ReadPlan, runPlan, ztop } from "../state/read-plan.ts";
import type { Deps } from "./deps.ts";
import { nextItemPlan } from "./next-item.ts";
import {
  listBody,
  numbered,
  type RankedList,
  type RecommendationList,
  rankedList,
} from "./recommendation-list.ts";
import { candidateList, featurePlan, rerankPlan } from "./rerank.ts";
import type { ListRules } from "./rules.ts";
import { nextItemsWithRules, rerankWithRules } from "./with-rules.ts";

export interface PopularItem {
  itemId: string;
  score: number;
}

/**
 * The read path: what a session's list is now. It reads and ranks, and never writes: the
 * Engine (the write path) asks it for the list after an event's writes, the API asks it
 * for `recommendations`, feeds ask it for the list a new subscriber starts from.
 */
export class Recommender {
  constructor(private readonly deps: Deps) {}

  /** A session's state, in one round trip. */
  snapshot(sessionId: string): Promise<SessionSnapshot> {
    return runPlan(this.deps.store, this.snapshotPlan(sessionId));
  }

  snapshotPlan(sessionId: string): ReadPlan<SessionSnapshot> {
    return snapshotPlan(this.deps.keys, sessionId, this.deps.config.SESSION_RECENT_EVENTS);
  }

  /**
   * The session's current list, from a snapshot: its shown list reranked, or next items
   * when it shows none. A plan, so that the rescore runs it in the round trip of an
   * event's writes, beside its own reads.
   */
  currentPlan(snap: SessionSnapshot, limit: number): ReadPlan<RankedList> {
    if (snap.list.length > 0)
      return rerankPlan(this.deps, snap, { items: snap.list, prices: snap.prices }, limit);
    return map(nextItemPlan(this.deps.keys, snap, limit), (items) =>
      rankedList(items, "NEXT_ITEM", this.deps.models.scorer),
    );
  }

  /** `recommendations`: the given candidates reranked, the shown list reranked, or next items. */
  async recommend(
    sessionId: string,
    candidates?: readonly string[],
    limit?: number,
    rules?: ListRules,
  ): Promise<RecommendationList> {
    const snap = await this.snapshot(sessionId);
    const max = limit ?? this.deps.config.DEFAULT_LIMIT;
    const given = candidates && candidates.length > 0 ? candidateList(snap, candidates) : undefined;
    const list: CandidateList | undefined =
      given ?? (snap.list.length > 0 ? { items: snap.list, prices: snap.prices } : undefined);
    let ranked: RankedList;
    if (rules)
      ranked = list
        ? await rerankWithRules(this.deps, snap, list, rules, max)
        : await nextItemsWithRules(this.deps, snap, rules, max);
    else
      ranked = await runPlan(
        this.deps.store,
        list ? rerankPlan(this.deps, snap, list, max) : this.currentPlan(snap, max),
      );
    return numbered(listBody(sessionId, ranked, lastEvent(snap)), snap.publishedVersion);
  }

  /** Features of a list exactly as the live scorer would see them (saved states, training). */
  features(snap: SessionSnapshot, list: CandidateList): Promise<Float64Array> {
    return runPlan(this.deps.store, featurePlan(this.deps, snap, list));
  }

  /** The most popular items in a city, or overall without one. */
  async popular(city: string | undefined, limit: number): Promise<PopularItem[]> {
    const { keys } = this.deps;
    const top = await runPlan(
      this.deps.store,
      ztop(city ? keys.cityPopularity(city) : keys.globalPopularity(), limit),
    );
    return top.map(([itemId, score]) => ({ itemId, score }));
  }

  /** Name of the scorer ranking lists now. */
  get model(): string {
    return this.deps.models.scorer.name;
  }
}

/** The event a session's stored list was last produced by: its type and event time. */
function lastEvent(snap: SessionSnapshot): { type: EventType | null; timestamp: number } {
  return { type: (snap.lastType as EventType | undefined) ?? null, timestamp: snap.lastTs };
}
