/**
 * Collects pub/sub messages and lets a test await the next one. Memory delivers
 * synchronously and Redis asynchronously; awaiting `next()` works for both, and because a
 * channel delivers in publish order, "the next message is version 2" also proves that no
 * message was sent in between.
 */
export interface Collector {
  readonly messages: string[];
  readonly handler: (message: string) => void;
  next(timeoutMs?: number): Promise<string>;
}

export function collector(): Collector {
  const messages: string[] = [];
  let taken = 0;
  const waiters: ((m: string) => void)[] = [];
  const handler = (m: string) => {
    messages.push(m);
    const w = waiters.shift();
    if (w) {
      taken++;
      w(m);
    }
  };
  return {
    messages,
    handler,
    next(timeoutMs = 2000) {
      if (taken < messages.length) return Promise.resolve(messages[taken++]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no message within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = (m: string) => {
          clearTimeout(t);
          resolve(m);
        };
        waiters.push(w);
      });
    },
  };
}
