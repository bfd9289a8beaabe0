import type { SessionEvent } from "../domain/event-type.ts";
import { eventWrites } from "../features/accumulate.ts";
import type { FeatureContext } from "../features/context.ts";
import { foldSession, type SessionSnapshot } from "../features/session-snapshot.ts";
import type { CandidateList } from "../features/vector/family.ts";
import { Publisher } from "../publish/publisher.ts";
import { watchedPlan } from "../publish/watches.ts";
import type { Deps } from "../recommend/deps.ts";
import { listBody, numbered, type RecommendationList } from "../recommend/recommendation-list.ts";
import { Recommender } from "../recommend/recommender.ts";
import { coalesceOps } from "../state/coalesce-ops.ts";
import type { Op } from "../state/ops.ts";
import { constant, runPlan, struct } from "../state/read-plan.ts";
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
 * The write path: the one path of an event. Read the session, compute its writes (pure),
 * apply them atomically, rescore the session's list (the Recommender computes it in the
 * same round trip as the writes), publish it when the order changed. The API, replay,
 * training and evaluation all go through here.
 */
export class Engine {
  private readonly ctx: FeatureContext;
  private readonly store: Deps["store"];
  private readonly config: Deps["config"];
  private readonly publisher: Publisher;
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
    private readonly deps: Deps,
    private readonly recommender: Recommender = new Recommender(deps),
  ) {
    this.store = deps.store;
    this.config = deps.config;
    this.ctx = { keys: deps.keys, config: deps.config };
    this.publisher = new Publisher(deps);
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
          const list = await this.recommender.recommend(event.sessionId);
          return {
            sessionId: event.sessionId,
            step: before.step,
            published: false,
            list,
            duplicate: true,
          };
        }
        if (this.recorder) await this.record(event, before);
        const after = foldSession(this.deps.keys, before, ops);
        const { list, published } = await this.rescoreAndPublish(after, [], event, before);
        return { sessionId: event.sessionId, step: after.step, published, list, duplicate: false };
      }
      if (this.recorder) await this.record(event, before);
      const ops = eventWrites(event, before, this.ctx);
      const after = foldSession(this.deps.keys, before, ops);
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
      return foldSession(this.deps.keys, snap, ops);
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
    const keys = this.deps.keys;
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
            snap = foldSession(keys, snap, ops);
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
              snap = foldSession(keys, snap, ops);
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
    const keys = this.deps.keys;
    return this.lock.run(sessionId, () =>
      this.store.deleteKeys([
        keys.sessionState(sessionId),
        keys.sessionItems(sessionId),
        keys.sessionRecent(sessionId),
        keys.sessionEvents(sessionId),
      ]),
    );
  }

  /** Removes the user's history (items clicked out, added to cart or bought). */
  forgetUser(userId: string): Promise<number> {
    return this.store.deleteKeys([this.deps.keys.userHistory(userId)]);
  }

  /** The session as it stands before its next event (one round trip). */
  snapshot(sessionId: string): Promise<SessionSnapshot> {
    return this.recommender.snapshot(sessionId);
  }

  private guardOn(): boolean {
    return this.config.IDEMPOTENCY_WINDOW_SECONDS > 0;
  }

  /** The idempotency guard of an event with an id (none without an id or with the window off). */
  private guardOp(event: SessionEvent): Op | undefined {
    if (event.eventId === undefined || !this.guardOn()) return undefined;
    return {
      op: "guard",
      key: this.deps.keys.sessionEvents(event.sessionId),
      member: event.eventId,
      now: this.clock(),
      ttlMs: this.config.IDEMPOTENCY_WINDOW_SECONDS * 1000,
      cap: this.config.IDEMPOTENCY_MAX_IDS,
    };
  }

  /** The state the scorer saw just before a clickout or purchase: the training example. */
  private async record(event: SessionEvent, before: SessionSnapshot): Promise<void> {
    if ((event.type !== "CLICKOUT" && event.type !== "PURCHASE") || !event.itemId) return;
    const items = event.impressions ?? before.list;
    if (items.length === 0) return;
    const list: CandidateList = event.impressions
      ? { items, prices: event.prices }
      : { items, prices: before.prices };
    const matrix = await this.recommender.features(before, list);
    this.recorder?.({ event, before, list, matrix });
  }

  /**
   * Applies `ops` with the rescore's reads (one round trip), ranks, and publishes the list
   * when its order changed; tells excludeSeen subscribers when the seen items changed since
   * `before`.
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
    const { ranked, watched } = await runPlan(
      this.store,
      struct({
        ranked: this.recommender.currentPlan(after, full),
        watched: this.config.PUSH_UNWATCHED
          ? constant(undefined)
          : watchedPlan(this.deps.keys, after.sessionId),
      }),
      ops,
    );
    const body = listBody(after.sessionId, ranked, trigger);
    // The writes are applied: the seen notice goes now, in the same write to Redis as the
    // publish (auto-pipelined, run after it), not one round trip later.
    const [outcome] = await Promise.all([
      this.publisher.publish(after, body, watched),
      this.publisher.noticeSeen(before, after),
    ]);
    this.onRescore?.((performance.now() - started) / 1000, {
      source: ranked.source,
      published: outcome.published,
    });
    return { list: numbered(body, outcome.version), published: outcome.published };
  }
}
