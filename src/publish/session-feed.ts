import type { RecommendationList } from "../recommend/recommendation-list.ts";
import type { ListRules } from "../recommend/rules.ts";
import type { FeedSource } from "./feed-source.ts";
import { filteredFeed } from "./filtered-feed.ts";
import { LatestMailbox } from "./latest-mailbox.ts";

/**
 * Live lists of one session for one subscriber: the current list at once, then each
 * newly published one. Only the newest pending list is kept (a list replaces the one
 * before it), so a slow subscriber holds one list of memory, never a queue.
 */
export class SessionFeeds {
  private active = 0;
  /** Open feeds, so that a shutdown can end them all (each subscriber sees its stream complete). */
  private readonly live = new Set<AsyncIterableIterator<RecommendationList>>();

  constructor(private readonly source: FeedSource) {}

  get activeCount(): number {
    return this.active;
  }

  /**
   * Ends every open feed, as its subscriber's `return()` would: a waiting `next()` resolves
   * done, so the transport completes the subscription (SSE: `complete` and the end of the
   * response; graphql-ws: a `complete` message). For a shutdown.
   */
  async closeAll(): Promise<void> {
    await Promise.all([...this.live].map((it) => it.return?.().catch(() => undefined)));
  }

  subscribe(
    sessionId: string,
    limit: number | undefined,
    rules?: ListRules,
  ): AsyncIterableIterator<RecommendationList> {
    const source = this.source;
    if (rules) {
      this.active++;
      const feed = filteredFeed(source, sessionId, limit, rules, () => {
        this.active--;
        this.live.delete(feed);
      });
      this.live.add(feed);
      return feed;
    }
    let lastVersion = -1;
    let unsubscribe: (() => Promise<void>) | undefined;
    let watching = false;
    this.active++;
    const box = new LatestMailbox<RecommendationList>(async () => {
      this.active--;
      this.live.delete(box);
      if (watching) source.watches.remove(sessionId);
      await unsubscribe?.();
    });
    const close = () => box.close();

    const cut = (l: RecommendationList): RecommendationList =>
      limit !== undefined && l.items.length > limit ? { ...l, items: l.items.slice(0, limit) } : l;

    const deliver = (l: RecommendationList, force = false) => {
      if (box.closed || (!force && l.version <= lastVersion)) return;
      lastVersion = l.version;
      box.push(cut(l));
    };

    // After the store restored a lost subscription (Redis restart, failover), lists
    // published in between may be lost: read the current list and deliver it again, even
    // when its version is not newer (a Redis that lost its data restarts versions). A list
    // pushed while this read runs is newer, and wins. Retried while the store is down.
    let resyncing = false;
    let resyncAgain = false;
    const resync = (attempt = 0) => {
      if (box.closed) return;
      if (resyncing) {
        resyncAgain = true;
        return;
      }
      resyncing = true;
      const seen = lastVersion;
      // The watch key may have expired meanwhile (or Redis lost it): write it before the
      // read, as at the start.
      source.watches
        .touch(sessionId)
        .then(() => source.current(sessionId))
        .then(
          (current) => {
            if (lastVersion === seen || current.version >= lastVersion) deliver(current, true);
          },
          () => {
            if (attempt < 20) setTimeout(() => resync(attempt + 1), 250).unref();
          },
        )
        .finally(() => {
          resyncing = false;
          if (resyncAgain) {
            resyncAgain = false;
            resync();
          }
        });
    };

    // Watch, then subscribe, then read the current list: an event that found the session
    // unwatched wrote before the watch key, so the read sees it; a list published after
    // the subscription arrives; versions drop any message older than one delivered.
    const ready = (async () => {
      await source.watches.add(sessionId);
      watching = true;
      if (box.closed) {
        source.watches.remove(sessionId);
        watching = false;
        return;
      }
      unsubscribe = await source.lists(
        sessionId,
        (list) => deliver(list),
        () => resync(),
      );
      if (box.closed) {
        await unsubscribe();
        return;
      }
      deliver(await source.current(sessionId));
    })();
    ready.catch(() => close());
    box.ready = ready;

    this.live.add(box);
    return box;
  }
}
