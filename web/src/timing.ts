/**
 * When things reached this page, taken where they arrive rather than where React gets to
 * them: a pushed list when its message comes off the socket (before Apollo and a render),
 * a response when the network finished it (Resource Timing), so a busy main thread (a
 * render of the last list, a slow machine) does not count as the server's time.
 */
export interface Arrival {
  at: number;
  /** The list came as a subscription's first message (the current list), not as a push. */
  initial: boolean;
}

interface Waiter {
  version: number;
  resolve: (a: Arrival | null) => void;
}

/** Per session, the newest list received: a push may be skipped for a newer one. */
const newest = new Map<string, { version: number } & Arrival>();
const waiting = new Map<string, Waiter[]>();
const KEEP = 500;

/** Called by the subscription transports for every list they receive. */
export function listArrived(sessionId: string, version: number, initial: boolean): void {
  const arrival = { version, at: performance.now(), initial };
  const had = newest.get(sessionId);
  if (!had || had.version <= version) newest.set(sessionId, arrival);
  if (newest.size > KEEP) newest.delete(newest.keys().next().value as string);
  const ws = waiting.get(sessionId);
  if (!ws) return;
  const rest = ws.filter((w) => {
    if (w.version > version) return true;
    w.resolve(arrival);
    return false;
  });
  if (rest.length) waiting.set(sessionId, rest);
  else waiting.delete(sessionId);
}

/**
 * When the session's list of `version` (or a newer one, which carries its order) arrived,
 * waiting up to `timeoutMs`; null when none did.
 */
export function listArrival(
  sessionId: string,
  version: number,
  timeoutMs = 10_000,
): Promise<Arrival | null> {
  const had = newest.get(sessionId);
  if (had && had.version >= version) return Promise.resolve(had);
  return new Promise((resolve) => {
    const w: Waiter = {
      version,
      resolve: (a) => {
        clearTimeout(timer);
        resolve(a);
      },
    };
    const timer = setTimeout(() => {
      const rest = (waiting.get(sessionId) ?? []).filter((x) => x !== w);
      if (rest.length) waiting.set(sessionId, rest);
      else waiting.delete(sessionId);
      resolve(null);
    }, timeoutMs);
    waiting.set(sessionId, [...(waiting.get(sessionId) ?? []), w]);
  });
}

/** A graphql-ws or SSE message payload: notes the list it carries, if any. */
export function noteList(payload: unknown, initial: boolean): void {
  const list = (
    payload as { data?: { recommendations?: { sessionId?: string; version?: number } } }
  )?.data?.recommendations;
  if (list?.sessionId !== undefined && typeof list.version === "number")
    listArrived(list.sessionId, list.version, initial);
}

if (typeof performance.setResourceTimingBufferSize === "function")
  performance.setResourceTimingBufferSize(1000);

/**
 * The network time of the first POST to `url` started at or after `sentAt`: from the
 * request's start to the response's last byte, as the browser's network stack saw it.
 */
export function networkMs(url: string, sentAt: number): number | null {
  const entries = performance.getEntriesByName(url, "resource") as PerformanceResourceTiming[];
  const e = entries.find((x) => x.startTime >= sentAt - 1);
  if (performance.getEntriesByType("resource").length > 800) performance.clearResourceTimings();
  return e ? e.responseEnd - e.startTime : null;
}
