/**
 * Polls `check` until it stops throwing (an `expect` inside it) or `timeoutMs` passes, then
 * rethrows its last error. For state that settles asynchronously, like a server noticing
 * that a client went away.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 2000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
