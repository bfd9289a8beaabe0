/**
 * One subscriber's mailbox, read by the transport as an async iterator. It holds at most
 * the newest undelivered value (a newer list replaces an older one), so a slow subscriber
 * costs one list of memory, never a queue. `close()` ends a waiting `next()` at once.
 */
export class LatestMailbox<T> implements AsyncIterableIterator<T> {
  /** Awaited by `next()`: the feed's setup (subscribe, read the current list). */
  ready: Promise<unknown> = Promise.resolve();
  private pending: { value: T } | undefined;
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private done = false;

  /**
   * @param onClose releases what the feed holds (subscriptions, counters); runs once.
   * @param setupErrors "throw": a failed setup fails the subscription (the client gets the
   *   error); "end": it just ends.
   */
  constructor(
    private readonly onClose: () => Promise<void> | void,
    private readonly setupErrors: "throw" | "end" = "throw",
  ) {}

  get closed(): boolean {
    return this.done;
  }

  push(value: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value, done: false });
    } else {
      this.pending = { value };
    }
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.pending = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    await this.onClose();
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.setupErrors === "throw") await this.ready;
    else await this.ready.catch(() => {});
    if (this.done) return { value: undefined, done: true };
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      return { value: p.value, done: false };
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    await this.close();
    return { value: undefined, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<T>> {
    await this.close();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
