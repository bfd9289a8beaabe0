import type { Keys } from "../domain/keys.ts";
import { SESSION_FIELDS } from "../domain/session-fields.ts";
import type { Deps } from "../recommend/deps.ts";
import type { RecommendationList } from "../recommend/recommendation-list.ts";
import type { Recommender } from "../recommend/recommender.ts";
import { type ListRules, type RuleFacts, ruleFactsPlan, sessionSeen } from "../recommend/rules.ts";
import { parseSessionItem, type SessionItemCounters } from "../state/ops.ts";
import { hgetall, hmget, map, type ReadPlan, runPlan, struct } from "../state/read-plan.ts";
import type { Unsubscribe } from "../state/store.ts";
import type { SessionWatches } from "./watches.ts";

/**
 * What a subscriber's feed needs, and nothing more: the lists a session publishes, the
 * list it has now, the facts its subscriber's rules ask about, and the watch a subscriber
 * holds on it. Feeds know no store, no keys and no Engine.
 */
export interface FeedSource {
  /** The session's list now: what a new (or resynced) subscriber starts from. */
  current(sessionId: string): Promise<RecommendationList>;
  /**
   * Each list the session publishes. `onResync`: the subscription was restored after a
   * lost connection, and lists published meanwhile may be missed.
   */
  lists(
    sessionId: string,
    onList: (list: RecommendationList) => void,
    onResync?: () => void,
  ): Promise<Unsubscribe>;
  /** The session's "seen items changed" notices (for excludeSeen views). */
  seenNotices(sessionId: string, onNotice: () => void): Promise<Unsubscribe>;
  /**
   * What `rules` need to know of `items`, read fresh. With excludeSeen: what the session
   * and its user have seen, the user as the session's state names it now (`userId` is the
   * one known from the previous view, saving a round trip while it stays the same).
   */
  viewFacts(
    sessionId: string,
    rules: ListRules,
    items: readonly string[],
    userId: string | undefined,
  ): Promise<{ facts: RuleFacts; userId: string | undefined }>;
  readonly watches: Pick<SessionWatches, "add" | "remove" | "touch">;
}

export function feedSource(
  deps: Pick<Deps, "store" | "keys">,
  recommender: Pick<Recommender, "recommend">,
  watches: SessionWatches,
): FeedSource {
  const { store, keys } = deps;
  return {
    watches,
    current: (sessionId) => recommender.recommend(sessionId),
    lists: (sessionId, onList, onResync) =>
      store.subscribe(
        keys.sessionChannel(sessionId),
        (message) => {
          let list: RecommendationList;
          try {
            list = JSON.parse(message) as RecommendationList;
          } catch {
            return; // not a list: not ours to deliver
          }
          onList(list);
        },
        onResync,
      ),
    seenNotices: (sessionId, onNotice) =>
      store.subscribe(keys.sessionSeenChannel(sessionId), () => onNotice()),
    async viewFacts(sessionId, rules, items, userId) {
      if (!rules.excludeSeen)
        return { facts: await runPlan(store, ruleFactsPlan(keys, rules, items, userId)), userId };
      const plan = (user: string | undefined) =>
        struct({
          session: sessionSeenPlan(keys, sessionId),
          facts: ruleFactsPlan(keys, rules, items, user),
        });
      let r = await runPlan(store, plan(userId));
      // The session's user changed since the last view: its history is another key.
      if (r.session.userId !== userId) {
        userId = r.session.userId;
        r = await runPlan(store, plan(userId));
      }
      const seen = new Set(r.facts.seen);
      for (const item of r.session.seen) seen.add(item);
      return { facts: { ...r.facts, seen }, userId };
    },
  };
}

/** The session's user and the items it has seen, from its state and item counters. */
function sessionSeenPlan(
  keys: Keys,
  sessionId: string,
): ReadPlan<{ userId: string | undefined; seen: Set<string> }> {
  return map(
    struct({
      user: hmget(keys.sessionState(sessionId), [SESSION_FIELDS.user]),
      items: hgetall(keys.sessionItems(sessionId)),
    }),
    ({ user, items: packed }) => {
      const items = new Map<string, SessionItemCounters>();
      for (const [item, p] of Object.entries(packed)) items.set(item, parseSessionItem(p));
      return { userId: user[0] ?? undefined, seen: sessionSeen({ items }) };
    },
  );
}
