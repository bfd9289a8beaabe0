import type { Config } from "../config.ts";
import type { SessionEvent } from "../domain/event-type.ts";
import { createKeys, type Keys } from "../domain/keys.ts";
import { eventWrites } from "../features/accumulate.ts";
import { type CandidateList, candidateReads, parseCandidateData } from "../features/candidates.ts";
import type { FeatureContext } from "../features/context.ts";
import {
  foldSession,
  parseSnapshot,
  type SessionSnapshot,
  snapshotReads,
} from "../features/session-snapshot.ts";
import { featureMatrix } from "../features/vector.ts";
import { idsDigest, PUBLISHED, SEEN } from "../publish/published-state.ts";
import { orderKey, payloadParts, type RecommendationList } from "../publish/recommendation-list.ts";
import { SessionWatches } from "../publish/watches.ts";
import { nextItemReads, nextItems } from "../recommend/next-item.ts";
import { type ListRules, sessionSeen } from "../recommend/rules.ts";
import { recommendWithRules } from "../recommend/with-rules.ts";
import type { ModelHolder } from "../scoring/model-holder.ts";
import { type RankedItem, rankCandidates } from "../scoring/rank.ts";
import { coalesceOps } from "../state/coalesce-ops.ts";
import type { Op } from "../state/ops.ts";
import type { ReadOp, ReadValue, Store } from "../state/store.ts";
import { SessionLock } from "./session-lock.ts";

export interface TrackOutcome {
  sessionId: string;
  step: number;
  /** Whether the event changed the ranked order (a new version, pushed to any subscriber). */
  published: boolean;
  list: RecommendationList;
  /** A retry: an event with this `eventId` was applied already, so nothing was written. */
  duplicate?: boolean;
}

export interface BatchOutcome {
  accepted: number;
  sessions: number;
  published: number;
  /** Accepted events skipped as retries of events applied already (same `eventId`). */
  duplicates?: number;
}

/** Hook for saved states: called with what the scorer saw just before an event. */
export type StateRecorder = (s: {
  event: SessionEvent;
  before: SessionSnapshot;
  list: CandidateList;
  matrix: Float64Array;
}) => void;

const BATCH_SESSION_CONCURRENCY = 64;

/**
 * The one path of an event: read the session, compute its writes (pure), apply them
 * atomically, rescore the session's list, publish it when the order changed. The API,
 * replay, training and evaluation all go through here.
 */
export class Engine {
  readonly keys: Keys;
  readonly ctx: FeatureContext;
  /** Sessions with a subscriber on some instance: only their changed lists are sent. */
  readonly watches: SessionWatches;
  private readonly lock = new SessionLock();
  /** Called after each rescore with its duration (apply, read, score, publish): for metrics. */
  onRescore?: (
    seconds: number,
    outcome: { source: RecommendationList["source"]; published: boolean },
  ) => void;
  /** When set, every clickout and purchase records its saved state (live retraining). */
  recorder: StateRecorder | undefined;
  /** Wall clock of the idempotency window (never a feature). */
  clock: () => number = Date.now;

  constructor(
    readonly store: Store,
    readonly config: Config,
    readonly models: ModelHolder,
  ) {
    this.keys = createKeys(config.REDIS_PREFIX);
    this.ctx = { keys: this.keys, config };
    this.watches = new SessionWatches(store, this.keys, config.SUBSCRIPTION_WATCH_SECONDS);
  }

  /** Ingests one validated event and returns the session's list after it. */
  track(event: SessionEvent): Promise<TrackOutcome> {
    return this.lock.run(event.sessionId, async () => {
      const before = await this.snapshot(event.sessionId);
      const guard = this.guardOp(event);
      if (guard) {
        // Guarded events are applied on their own first (one extra round trip), so a retry
        // is known before anything is rescored or published.
        const ops = [guard, ...eventWrites(event, before, this.ctx)];
        if (!(await this.store.apply(ops))) {
          const list = await this.recommend(event.sessionId);
          return {
            sessionId: event.sessionId,
            step: before.step,
            published: false,
            list,
            duplicate: true,
          };
        }
        if (this.recorder) await this.record(event, before);
        const after = foldSession(this.keys, before, ops);
        const { list, published } = await this.rescoreAndPublish(after, [], event, before);
        return { sessionId: event.sessionId, step: after.step, published, list, duplicate: false };
      }
      if (this.recorder) await this.record(event, before);
      const ops = eventWrites(event, before, this.ctx);
      const after = foldSession(this.keys, before, ops);
      const { list, published } = await this.rescoreAndPublish(after, ops, event, before);
      return { sessionId: event.sessionId, step: after.step, published, list };
    });
  }

  /**
   * Applies one event without rescoring or publishing (offline replay and evaluation).
   * `before` may be passed when the caller already read it, saving a round trip.
   */
  ingest(event: SessionEvent, before?: SessionSnapshot): Promise<SessionSnapshot> {
    return this.lock.run(event.sessionId, async () => {
      const snap = before ?? (await this.snapshot(event.sessionId));
      const ops = eventWrites(event, snap, this.ctx);
      await this.store.apply(ops);
      return foldSession(this.keys, snap, ops);
    });
  }

  /**
   * Ingests validated events. Events of one session are applied in order, each atomically;
   * each session touched is rescored once, after its last event of the batch.
   */
  async trackBatch(
    events: readonly SessionEvent[],
    opts: { rescore?: boolean } = {},
  ): Promise<BatchOutcome> {
    const bySession = new Map<string, SessionEvent[]>();
    for (const e of events) {
      const list = bySession.get(e.sessionId);
      if (list) list.push(e);
      else bySession.set(e.sessionId, [e]);
    }
    let published = 0;
    let duplicates = 0;
    // A session with event ids applies its events one by one: a retried event is skipped,
    // and the events after it are computed from the state without it.
    const runGuarded = async (sessionId: string, evs: SessionEvent[]) =>
      this.lock.run(sessionId, async () => {
        let snap = await this.snapshot(sessionId);
        const first = snap;
        let last: SessionEvent | undefined;
        for (const e of evs) {
          const guard = this.guardOp(e);
          const ops = eventWrites(e, snap, this.ctx);
          if (guard) ops.unshift(guard);
          if (await this.store.apply(ops)) {
            snap = foldSession(this.keys, snap, ops);
            last = e;
          } else duplicates++;
        }
        if (!last || opts.rescore === false) return;
        const r = await this.rescoreAndPublish(snap, [], last, first);
        if (r.published) published++;
      });
    const run = async (sessionId: string, evs: SessionEvent[]) =>
      this.guardOn() && evs.some((e) => e.eventId !== undefined)
        ? runGuarded(sessionId, evs)
        : this.lock.run(sessionId, async () => {
            let snap = await this.snapshot(sessionId);
            const first = snap;
            const groups: Op[][] = [];
            for (const e of evs) {
              const ops = eventWrites(e, snap, this.ctx);
              snap = foldSession(this.keys, snap, ops);
              groups.push(ops);
            }
            // All the session's writes in one atomic script call, each field and TTL the
            // events repeat sent once: for an import, 1.43x the events/s of one call per
            // event, pipelined (bench/ab.ts --import), which had beaten one call of all the
            // uncoalesced writes.
            const ops = groups.length > 1 ? coalesceOps(groups.flat()) : (groups[0] ?? []);
            if (opts.rescore === false) {
              await this.store.apply(ops);
              return;
            }
            // Rescored: the writes go with the rescore's reads, in the same round trip.
            const r = await this.rescoreAndPublish(snap, ops, evs[evs.length - 1]!, first);
            if (r.published) published++;
          });
    const entries = [...bySession.entries()];
    for (let i = 0; i < entries.length; i += BATCH_SESSION_CONCURRENCY) {
      await Promise.all(
        entries.slice(i, i + BATCH_SESSION_CONCURRENCY).map(([s, evs]) => run(s, evs)),
      );
    }
    return { accepted: events.length, sessions: bySession.size, published, duplicates };
  }

  /**
   * Removes everything kept under the session's id: its state (with the published list's
   * version), touched items, recent events and event ids. Aggregates it fed (item counters,
   * co-visitation, popularity) keep their counts. The watch key is left to expire: a
   * subscriber still connected keeps it, and deleting it would stop its pushes until the
   * next refresh. Returns the number of keys removed.
   */
  forgetSession(sessionId: string): Promise<number> {
    return this.lock.run(sessionId, () =>
      this.store.deleteKeys([
        this.keys.sessionState(sessionId),
        this.keys.sessionItems(sessionId),
        this.keys.sessionRecent(sessionId),
        this.keys.sessionEvents(sessionId),
      ]),
    );
  }

  /** Removes the user's history (items clicked out, added to cart or bought). */
  forgetUser(userId: string): Promise<number> {
    return this.store.deleteKeys([this.keys.userHistory(userId)]);
  }

  private guardOn(): boolean {
    return this.config.IDEMPOTENCY_WINDOW_SECONDS > 0;
  }

  /** The idempotency guard of an event with an id (none without an id or with the window off). */
  private guardOp(event: SessionEvent): Op | undefined {
    if (event.eventId === undefined || !this.guardOn()) return undefined;
    return {
      op: "guard",
      key: this.keys.sessionEvents(event.sessionId),
      member: event.eventId,
      now: this.clock(),
      ttlMs: this.config.IDEMPOTENCY_WINDOW_SECONDS * 1000,
      cap: this.config.IDEMPOTENCY_MAX_IDS,
    };
  }

  /** The session's list now: the given candidates reranked, its shown list, or next items. */
  async recommend(
    sessionId: string,
    candidates?: readonly string[],
    limit?: number,
    rules?: ListRules,
  ): Promise<RecommendationList> {
    if (rules) return recommendWithRules(this, sessionId, candidates, limit, rules);
    const snap = await this.snapshot(sessionId);
    const max = limit ?? this.config.DEFAULT_LIMIT;
    let items: RankedItem[];
    let source: RecommendationList["source"];
    if (candidates && candidates.length > 0) {
      const list = this.candidateList(snap, candidates);
      items = await this.rank(snap, list, [], max);
      source = "RERANK";
    } else {
      ({ items, source } = await this.current(snap, [], max));
    }
    return {
      sessionId,
      version: snap.publishedVersion,
      items,
      trigger: (snap.lastType as RecommendationList["trigger"]) ?? null,
      generatedAt: snap.lastTs,
      source,
      model: source === "RERANK" ? this.models.scorer.name : "next-item",
    };
  }

  /** Reads a session's state in one round trip. */
  async snapshot(sessionId: string): Promise<SessionSnapshot> {
    const values = await this.store.read(
      snapshotReads(this.keys, sessionId, this.config.SESSION_RECENT_EVENTS),
    );
    return parseSnapshot(sessionId, values);
  }

  /** Features of a list exactly as the live scorer would see them (for saved states). */
  async features(snap: SessionSnapshot, list: CandidateList): Promise<Float64Array> {
    const values = await this.store.read(candidateReads(this.keys, snap, list));
    return featureMatrix(snap, list, parseCandidateData(snap, list, values));
  }

  /** The state the scorer saw just before a clickout or purchase: the training example. */
  private async record(event: SessionEvent, before: SessionSnapshot): Promise<void> {
    if ((event.type !== "CLICKOUT" && event.type !== "PURCHASE") || !event.itemId) return;
    const items = event.impressions ?? before.list;
    if (items.length === 0) return;
    const list: CandidateList = event.impressions
      ? { items, prices: event.prices }
      : { items, prices: before.prices };
    const matrix = await this.features(before, list);
    this.recorder?.({ event, before, list, matrix });
  }

  candidateList(snap: SessionSnapshot, items: readonly string[]): CandidateList {
    if (!snap.prices) return { items, prices: undefined };
    const priceOf = new Map<string, number>();
    snap.list.forEach((id, i) => {
      priceOf.set(id, snap.prices![i]!);
    });
    const prices = items.map((id) => priceOf.get(id));
    return {
      items,
      prices: prices.every((p) => p !== undefined) ? (prices as number[]) : undefined,
    };
  }

  /**
   * Applies `ops` with the rescore's reads, ranks, and publishes the list when its order
   * changed; tells excludeSeen subscribers when the seen items changed since `before`.
   */
  private async rescoreAndPublish(
    after: SessionSnapshot,
    ops: readonly Op[],
    trigger: SessionEvent,
    before: SessionSnapshot,
  ): Promise<{ list: RecommendationList; published: boolean }> {
    const started = performance.now();
    const full = after.list.length > 0 ? after.list.length : this.config.DEFAULT_LIMIT;
    // Whether anyone subscribes is read after the writes, in the same round trip (see
    // publish/watches.ts for why that order loses nothing).
    const watch = this.config.PUSH_UNWATCHED ? undefined : this.watches.read(after.sessionId);
    const { items, source, watched } = await this.current(after, ops, full, watch);
    const body: Omit<RecommendationList, "version"> = {
      sessionId: after.sessionId,
      items,
      trigger: trigger.type,
      generatedAt: trigger.timestamp,
      source,
      model: source === "RERANK" ? this.models.scorer.name : "next-item",
    };
    const order = orderKey(items);
    // Most events leave the order as it was published: no third round trip for them. The
    // script still compares again in Redis, so two instances never publish the same order.
    const unchanged = order === after.publishedOrder;
    const publishing = unchanged
      ? undefined
      : this.store.publishIfChanged({
          publishedKey: this.keys.sessionState(after.sessionId),
          versionField: PUBLISHED.version,
          orderField: PUBLISHED.order,
          channel: this.keys.sessionChannel(after.sessionId),
          order,
          ttlSeconds: this.config.SESSION_TTL_SECONDS,
          // No one subscribes: the order is numbered, the message neither built nor sent.
          payload: watched === false ? undefined : payloadParts(body),
        });
    // The writes are applied: the seen notice goes now, in the same write to Redis as the
    // publish (auto-pipelined, run after it), not one round trip later.
    const [published] = await Promise.all([publishing, this.noticeSeen(before, after)]);
    const outcome = published ?? { published: false, version: after.publishedVersion };
    this.onRescore?.((performance.now() - started) / 1000, {
      source,
      published: outcome.published,
    });
    return { list: { ...body, version: outcome.version }, published: outcome.published };
  }

  /**
   * Ranks the session's list (or next items), applying `ops` first in the same round trip.
   * With `watch`, that read goes last (after the writes) and tells whether anyone subscribes.
   */
  private async current(
    snap: SessionSnapshot,
    ops: readonly Op[],
    limit: number,
    watch?: ReadOp,
  ): Promise<{
    items: RankedItem[];
    source: RecommendationList["source"];
    watched: boolean | undefined;
  }> {
    const read = async (reads: ReadOp[]) => {
      if (watch) reads.push(watch);
      const values = await this.applyAndRead(ops, reads);
      const watched = watch ? SessionWatches.isWatched(values.pop()) : undefined;
      return { values, watched };
    };
    if (snap.list.length > 0) {
      const list: CandidateList = { items: snap.list, prices: snap.prices };
      const { values, watched } = await read(candidateReads(this.keys, snap, list));
      return { items: this.rankRead(snap, list, values, limit), source: "RERANK", watched };
    }
    const { values, watched } = await read(nextItemReads(this.keys, snap, limit));
    return { items: nextItems(snap, values, limit), source: "NEXT_ITEM", watched };
  }

  private async rank(
    snap: SessionSnapshot,
    list: CandidateList,
    ops: readonly Op[],
    limit: number,
  ): Promise<RankedItem[]> {
    const values = await this.applyAndRead(ops, candidateReads(this.keys, snap, list));
    return this.rankRead(snap, list, values, limit);
  }

  private rankRead(
    snap: SessionSnapshot,
    list: CandidateList,
    values: readonly ReadValue[],
    limit: number,
  ): RankedItem[] {
    const matrix = featureMatrix(snap, list, parseCandidateData(snap, list, values));
    return rankCandidates(this.models.scorer, list.items, matrix, limit);
  }

  /**
   * Tells subscribers with `excludeSeen` that the session's clicked-out, carted or bought
   * items changed (their filtered view may change while the ranked order does not). Sent
   * after the event's writes, only when that set changed: one small script call.
   */
  private async noticeSeen(before: SessionSnapshot, after: SessionSnapshot): Promise<void> {
    const seen = [...sessionSeen(after)].sort();
    const old = sessionSeen(before);
    if (seen.length === old.size && seen.every((i) => old.has(i))) return;
    await this.store.publishIfChanged({
      publishedKey: this.keys.sessionState(after.sessionId),
      versionField: SEEN.version,
      orderField: SEEN.order,
      channel: this.keys.sessionSeenChannel(after.sessionId),
      order: idsDigest(seen),
      ttlSeconds: this.config.SESSION_TTL_SECONDS,
      payload: { head: '{"seenVersion":', tail: "}" },
    });
  }

  private applyAndRead(ops: readonly Op[], reads: readonly ReadOp[]): Promise<ReadValue[]> {
    return ops.length > 0 ? this.store.applyAndRead(ops, reads) : this.store.read(reads);
  }
}
