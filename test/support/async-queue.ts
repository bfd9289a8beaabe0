/** The longest delay setTimeout accepts (about 24.8 days): "no deadline" for iteration. */
const FOREVER_MS = 2 ** 31 - 1;

/**
 * Values pushed by a transport (SSE frames, WebSocket messages), taken by a test one at a
 * time with a deadline. Order is kept; nothing is dropped, so "the next value is X" also
 * proves that nothing came in between.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly values: T[] = [];
  private readonly waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  private finished: Error | undefined;
  private ended = false;

  constructor(private readonly label = "queue") {}

  /** Every value received so far, taken or not (for diagnostics). */
  readonly received: T[] = [];

  push(value: T): void {
    if (this.ended) return;
    this.received.push(value);
    const w = this.waiters.shift();
    if (w) w.resolve(value);
    else this.values.push(value);
  }

  /** No more values: pending and later `next()` calls reject with `reason`. */
  end(reason: Error = new Error(`${this.label} ended`)): void {
    if (this.ended) return;
    this.ended = true;
    this.finished = reason;
    for (const w of this.waiters.splice(0)) w.reject(reason);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Values received and not taken yet. */
  get buffered(): number {
    return this.values.length;
  }

  /** The next value, or a rejection after `timeoutMs` naming what was received so far. */
  next(timeoutMs = 3000): Promise<T> {
    const v = this.values.shift();
    if (v !== undefined) return Promise.resolve(v);
    if (this.finished) return Promise.reject(this.finished);
    return new Promise<T>((resolve, reject) => {
      const w = {
        resolve: (value: T) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new Error(
            `${this.label}: nothing within ${timeoutMs} ms; received so far (${this.received.length}): ${JSON.stringify(this.received).slice(0, 2000)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Resolves when nothing arrives for `ms`; rejects with the value when something does. */
  async expectNothing(ms: number): Promise<void> {
    if (this.values.length > 0) {
      throw new Error(
        `${this.label}: expected nothing, but holds ${JSON.stringify(this.values[0])}`,
      );
    }
    let got: T | undefined;
    try {
      got = await this.next(ms);
    } catch (e) {
      if (this.finished && e === this.finished) throw e;
      return;
    }
    throw new Error(`${this.label}: expected nothing within ${ms} ms, got ${JSON.stringify(got)}`);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.next(FOREVER_MS);
      } catch (e) {
        if (this.ended && e === this.finished) return;
        throw e;
      }
    }
  }
}
