/**
 * When things reached this page, taken where they arrive rather than where React gets to
 * them: a pushed list when its message comes off the socket (before Apollo and a render),
 * a response when the network finished it (Resource Timing), so a busy main thread (a
 * render of the last list, a slow machine) does not count as the server's time.
 */
const arrivals = new Map<string, number>();
const waiting = new Map<string, ((at: number) => void)[]>();
const KEEP = 500;

const key = (sessionId: string, version: number) => `${sessionId}|${version}`;

/** Called by the subscription transports for every list they receive. */
export function listArrived(sessionId: string, version: number): void {
  const k = key(sessionId, version);
  const at = performance.now();
  arrivals.set(k, at);
  if (arrivals.size > KEEP) arrivals.delete(arrivals.keys().next().value as string);
  for (const resolve of waiting.get(k) ?? []) resolve(at);
  waiting.delete(k);
}

/** When the list of that version arrived (performance.now()), waiting up to `timeoutMs`. */
export function listArrival(
  sessionId: string,
  version: number,
  timeoutMs = 10_000,
): Promise<number | null> {
  const k = key(sessionId, version);
  const at = arrivals.get(k);
  if (at !== undefined) return Promise.resolve(at);
  return new Promise((resolve) => {
    const list = waiting.get(k) ?? [];
    const done = (t: number | null) => {
      clearTimeout(timer);
      resolve(t);
    };
    const timer = setTimeout(() => {
      const rest = (waiting.get(k) ?? []).filter((f) => f !== done);
      if (rest.length) waiting.set(k, rest);
      else waiting.delete(k);
      done(null);
    }, timeoutMs);
    list.push(done);
    waiting.set(k, list);
  });
}

/** Graphql-ws / SSE message payloads that carry a list. */
export function noteList(payload: unknown): void {
  const list = (
    payload as { data?: { recommendations?: { sessionId?: string; version?: number } } }
  )?.data?.recommendations;
  if (list?.sessionId !== undefined && typeof list.version === "number")
    listArrived(list.sessionId, list.version);
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
