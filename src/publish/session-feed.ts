import type { Engine } from "../ingest/engine.ts";
import type { ListRules } from "../recommend/rules.ts";
import { filteredFeed } from "./filtered-feed.ts";
import { LatestMailbox } from "./latest-mailbox.ts";
import type { RecommendationList } from "./recommendation-list.ts";

/**
 * Live lists of one session for one subscriber: the current list at once, then each
 * newly published one. Only the newest pending list is kept (a list replaces the one
 * before it), so a slow subscriber holds one list of memory, never a queue.
 */
export class SessionFeeds {
  private active = 0;
  /** Open feeds, so that a shutdown can end them all (each subscriber sees its stream complete). */
  private readonly live = new Set<AsyncIterableIterator<RecommendationList>>();

  constructor(private readonly engine: Engine) {}

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
    const engine = this.engine;
    if (rules) {
      this.active++;
      const feed = filteredFeed(engine, sessionId, limit, rules, () => {
        this.active--;
        this.live.delete(feed);
      });
      this.live.add(feed);
      return feed;
    }
    const channel = engine.keys.sessionChannel(sessionId);
    let lastVersion = -1;
    let unsubscribe: (() => Promise<void>) | undefined;
    let watching = false;
    this.active++;
    const box = new LatestMailbox<RecommendationList>(async () => {
      this.active--;
      this.live.delete(box);
      if (watching) engine.watches.remove(sessionId);
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
      engine.watches
        .touch(sessionId)
        .then(() => engine.recommend(sessionId, undefined, undefined))
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
      await engine.watches.add(sessionId);
      watching = true;
      if (box.closed) {
        engine.watches.remove(sessionId);
        watching = false;
        return;
      }
      unsubscribe = await engine.store.subscribe(
        channel,
        (message) => {
          try {
            deliver(JSON.parse(message) as RecommendationList);
          } catch {
            // A message that is not a list is not ours to deliver.
          }
        },
        () => resync(),
      );
      if (box.closed) {
        await unsubscribe();
        return;
      }
      const current = await engine.recommend(sessionId, undefined, undefined);
      deliver(current);
    })();
    ready.catch(() => close());
    box.ready = ready;

    this.live.add(box);
    return box;
  }
}
