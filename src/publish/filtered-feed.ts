import type { Engine } from "../ingest/engine.ts";
import {
  applyRules,
  type ListRules,
  parseRuleFacts,
  ruleReads,
  sessionSeen,
} from "../recommend/rules.ts";
import { parseSessionItem, type SessionItemCounters } from "../state/ops.ts";
import type { ReadOp } from "../state/store.ts";
import { LatestMailbox } from "./latest-mailbox.ts";
import type { RecommendationList } from "./recommendation-list.ts";

/**
 * A subscriber's live lists under business rules: each list the session publishes, with
 * the subscriber's rules applied on top (exclusions, required properties, city, boosts,
 * pins), then cut to its limit. A view is pushed only when it differs from the last one
 * pushed to this subscriber, so a change of the session's order that the rules hide
 * pushes nothing. With `excludeSeen` the feed also listens to the session's "seen
 * changed" notices: a clickout removes the item from the view at once, even when the
 * session's ranked order did not change. A view carries the version of the list it was
 * made from, so after such a notice a subscriber can see one version twice.
 *
 * Facts (catalogue membership, what the session and its user have seen) are read fresh
 * for each view, in one round trip (two when the session's user changed since the last).
 * Like the plain feed, only the newest pending view is kept.
 */
export function filteredFeed(
  engine: Engine,
  sessionId: string,
  limit: number | undefined,
  rules: ListRules,
  onClose: () => void,
): AsyncIterableIterator<RecommendationList> {
  const keys = engine.keys;
  let latest: RecommendationList | undefined;
  let lastView: string | undefined;
  let dirty = false;
  let running: Promise<void> | undefined;
  let userId: string | undefined;
  const unsubscribes: (() => Promise<void>)[] = [];

  const box = new LatestMailbox<RecommendationList>(async () => {
    onClose();
    await Promise.all(unsubscribes.map((u) => u().catch(() => {})));
  }, "end");
  const close = () => box.close();
  const emit = (l: RecommendationList) => box.push(l);

  const view = async (base: RecommendationList): Promise<RecommendationList> => {
    const ids = [...base.items.map((i) => i.itemId)];
    for (const p of rules.pins) if (!ids.includes(p.itemId)) ids.push(p.itemId);
    const read = async (user: string | undefined) => {
      const head: ReadOp[] = rules.excludeSeen
        ? [
            { op: "hmget", key: keys.sessionState(sessionId), fields: ["user"] },
            { op: "hgetall", key: keys.sessionItems(sessionId) },
          ]
        : [];
      const values = await engine.store.read([...head, ...ruleReads(keys, rules, ids, user)]);
      return { head: values.slice(0, head.length), facts: values.slice(head.length) };
    };
    let r = await read(userId);
    if (rules.excludeSeen) {
      const current = ((r.head[0] ?? []) as (string | null)[])[0] ?? undefined;
      if (current !== userId) {
        userId = current;
        r = await read(userId);
      }
    }
    const items = new Map<string, SessionItemCounters>();
    if (rules.excludeSeen)
      for (const [item, packed] of Object.entries((r.head[1] ?? {}) as Record<string, string>))
        items.set(item, parseSessionItem(packed));
    const facts = parseRuleFacts(rules, ids, r.facts, userId, sessionSeen({ items }));
    return { ...base, items: applyRules(base.items, rules, facts, limit ?? base.items.length) };
  };

  const loop = async () => {
    while (dirty && !box.closed) {
      dirty = false;
      const base = latest;
      if (!base) continue;
      const v = await view(base);
      if (box.closed) return;
      const key = v.items.map((i) => i.itemId).join("|");
      if (key === lastView) continue;
      lastView = key;
      emit(v);
    }
  };

  const refresh = () => {
    dirty = true;
    if (running) return;
    running = loop()
      .catch(() => close())
      .finally(() => {
        running = undefined;
      });
  };

  const onList = (l: RecommendationList) => {
    if (box.closed || (latest && l.version <= latest.version)) return;
    latest = l;
    refresh();
  };

  const ready = (async () => {
    // Watched before subscribing and reading (see publish/watches.ts).
    await engine.watches.add(sessionId);
    if (box.closed) {
      engine.watches.remove(sessionId);
      return;
    }
    unsubscribes.push(async () => engine.watches.remove(sessionId));
    unsubscribes.push(
      await engine.store.subscribe(keys.sessionChannel(sessionId), (message) => {
        try {
          onList(JSON.parse(message) as RecommendationList);
        } catch {
          // Not a list: not ours to deliver.
        }
      }),
    );
    if (rules.excludeSeen)
      unsubscribes.push(
        await engine.store.subscribe(keys.sessionSeenChannel(sessionId), () => {
          if (latest && !box.closed) refresh();
        }),
      );
    if (box.closed) {
      await Promise.all(unsubscribes.map((u) => u()));
      return;
    }
    onList(await engine.recommend(sessionId, undefined, undefined));
    await running;
  })();
  ready.catch(() => close());

  box.ready = ready;
  return box;
}
