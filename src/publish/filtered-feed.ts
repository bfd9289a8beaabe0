import type { RecommendationList } from "../recommend/recommendation-list.ts";
import { applyRules, type ListRules } from "../recommend/rules.ts";
import type { FeedSource } from "./feed-source.ts";
import { LatestMailbox } from "./latest-mailbox.ts";

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
  source: FeedSource,
  sessionId: string,
  limit: number | undefined,
  rules: ListRules,
  onClose: () => void,
): AsyncIterableIterator<RecommendationList> {
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
    const r = await source.viewFacts(sessionId, rules, ids, userId);
    userId = r.userId;
    const facts = r.facts;
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
    await source.watches.add(sessionId);
    if (box.closed) {
      source.watches.remove(sessionId);
      return;
    }
    unsubscribes.push(async () => source.watches.remove(sessionId));
    unsubscribes.push(await source.lists(sessionId, onList));
    if (rules.excludeSeen)
      unsubscribes.push(
        await source.seenNotices(sessionId, () => {
          if (latest && !box.closed) refresh();
        }),
      );
    if (box.closed) {
      await Promise.all(unsubscribes.map((u) => u()));
      return;
    }
    onList(await source.current(sessionId));
    await running;
  })();
  ready.catch(() => close());

  box.ready = ready;
  return box;
}
