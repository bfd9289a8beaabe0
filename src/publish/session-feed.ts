import type { Engine } from "../ingest/engine.ts";
import type { RecommendationList } from "./recommendation-list.ts";

/**
 * Live lists of one session for one subscriber: the current list at once, then each
 * newly published one. Only the newest pending list is kept (a list replaces the one
 * before it), so a slow subscriber holds one list of memory, never a queue.
 */
export class SessionFeeds {
  private active = 0;

  constructor(private readonly engine: Engine) {}

  get activeCount(): number {
    return this.active;
  }

  subscribe(sessionId: string, limit: number | undefined): AsyncIterableIterator<RecommendationList> {
    const engine = this.engine;
    const channel = engine.keys.sessionChannel(sessionId);
    let pending: RecommendationList | undefined;
    let waiter: ((r: IteratorResult<RecommendationList>) => void) | undefined;
    let lastVersion = -1;
    let closed = false;
    let unsubscribe: (() => Promise<void>) | undefined;
    this.active++;

    const cut = (l: RecommendationList): RecommendationList =>
      limit !== undefined && l.items.length > limit ? { ...l, items: l.items.slice(0, limit) } : l;

    const deliver = (l: RecommendationList) => {
      if (closed || l.version <= lastVersion) return;
      lastVersion = l.version;
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w({ value: cut(l), done: false });
      } else {
        pending = l;
      }
    };

    const close = async () => {
      if (closed) return;
      closed = true;
      this.active--;
      pending = undefined;
      const w = waiter;
      waiter = undefined;
      w?.({ value: undefined, done: true });
      await unsubscribe?.();
    };

    // Subscribe before reading the current list, so no list published in between is lost;
    // versions drop any message older than what was already delivered.
    const ready = (async () => {
      unsubscribe = await engine.store.subscribe(channel, (message) => {
        try {
          deliver(JSON.parse(message) as RecommendationList);
        } catch {
          // A message that is not a list is not ours to deliver.
        }
      });
      if (closed) {
        await unsubscribe();
        return;
      }
      const current = await engine.recommend(sessionId, undefined, undefined);
      deliver(current);
    })();
    ready.catch(() => close());

    const iterator: AsyncIterableIterator<RecommendationList> = {
      next: async () => {
        await ready;
        if (closed) return { value: undefined, done: true };
        if (pending) {
          const l = pending;
          pending = undefined;
          return { value: cut(l), done: false };
        }
        return new Promise((resolve) => {
          waiter = resolve;
        });
      },
      return: async () => {
        await close();
        return { value: undefined, done: true };
      },
      throw: async (err) => {
        await close();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
