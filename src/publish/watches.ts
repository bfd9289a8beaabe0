import type { Keys } from "../domain/keys.ts";
import type { Op } from "../state/ops.ts";
import { hmget, map, type ReadPlan } from "../state/read-plan.ts";
import type { Store } from "../state/store.ts";

const WATCH_FIELD = "n";

/** Whether some instance holds a subscriber of the session: an event reads it after its writes. */
export function watchedPlan(keys: Keys, sessionId: string): ReadPlan<boolean> {
  return map(
    hmget(keys.sessionWatch(sessionId), [WATCH_FIELD]),
    (v) => v[0] !== null && v[0] !== undefined,
  );
}

/**
 * Which sessions have a subscriber somewhere. An instance holding a subscription keeps the
 * session's watch key alive (written before the subscriber's first read, refreshed every
 * third of its TTL); an event reads the key after its writes and, when no one watches,
 * numbers the new order without building or sending the message (every item's reasons and
 * the JSON: about 100 µs of a rescore). A subscriber that arrives later reads the current
 * list after setting the key, so it sees every write an unsent message would have carried.
 */
export class SessionWatches {
  private readonly held = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * A subscriber of the session arrived: the key is written before this resolves. When it
   * rejects (the store is down), the subscriber is not counted.
   */
  async add(sessionId: string): Promise<void> {
    this.held.set(sessionId, (this.held.get(sessionId) ?? 0) + 1);
    this.timer ??= setInterval(() => void this.refreshAll(), (this.ttlSeconds * 1000) / 3);
    this.timer.unref?.();
    try {
      await this.touch(sessionId);
    } catch (err) {
      this.remove(sessionId);
      throw err;
    }
  }

  /**
   * A subscriber left. The key is left to expire: another instance may hold a subscriber
   * of the same session, and until then an unwatched session only costs its messages.
   */
  remove(sessionId: string): void {
    const n = (this.held.get(sessionId) ?? 0) - 1;
    if (n > 0) this.held.set(sessionId, n);
    else this.held.delete(sessionId);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Writes the key again now (after a lost connection or a Redis restart). */
  async touch(sessionId: string): Promise<void> {
    await this.store.apply(this.ops(sessionId));
  }

  get count(): number {
    return this.held.size;
  }

  private ops(sessionId: string): Op[] {
    const key = this.keys.sessionWatch(sessionId);
    return [
      { op: "hset", key, field: WATCH_FIELD, value: "1" },
      { op: "expire", key, seconds: this.ttlSeconds },
    ];
  }

  private async refreshAll(): Promise<void> {
    // A failed refresh is retried at the next tick; the TTL spans three ticks.
    await this.store.applyMany([...this.held.keys()].map((s) => this.ops(s))).catch(() => {});
  }
}
