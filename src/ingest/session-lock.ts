/**
 * Runs tasks of one session one after another within this process, so that two events
 * of a session never read the same "before" state. Different sessions run concurrently.
 */
export class SessionLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(sessionId);
    const next = prev ? prev.then(task, task) : task();
    const tail = next.catch(() => undefined);
    this.tails.set(sessionId, tail);
    void tail.then(() => {
      if (this.tails.get(sessionId) === tail) this.tails.delete(sessionId);
    });
    return next;
  }

  get size(): number {
    return this.tails.size;
  }
}
