/**
 * The store cannot answer right now (Redis down, restarting, loading its data, a cluster
 * failing over), as opposed to a bug. The Redis stores throw this, and only this, for
 * such failures (the original error is its `cause`); the API turns it into a retryable
 * `SERVICE_UNAVAILABLE` (src/graphql/errors.ts) by its type alone.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}

/** Redis error replies of a server or cluster that is (re)starting or failing over. */
const REPLY_CODES =
  /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS|BUSY|MOVED|ASK)\b/;

/** ioredis' own messages when it has no usable connection. */
const CLIENT_MESSAGES = [
  "Connection is closed",
  "Reached the max retries per request limit",
  "Stream isn't writeable",
  "None of startup nodes is available",
  "Failed to refresh slots cache",
  "Cluster is ended",
  "Connection is discarded",
  "Connection is aborted",
  "Command timed out",
  "connect ETIMEDOUT",
  "Redis Cluster not ready",
  "no master serves the slot",
];

const NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTCONN",
]);

/** Whether an error of ioredis (or of the network under it) means "Redis cannot answer". */
function isRedisUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const name = e.name;
    if (name === "MaxRetriesPerRequestError" || name === "ClusterAllFailedError") return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NET_CODES.has(code)) return true;
    const message = e.message ?? "";
    if (REPLY_CODES.test(message)) return true;
    if (CLIENT_MESSAGES.some((m) => message.includes(m))) return true;
    // ioredis wraps causes: follow them.
    e = (e as { cause?: unknown }).cause ?? (e as { lastNodeError?: unknown }).lastNodeError;
  }
  return false;
}

/** A Redis store's failure as the Store reports it: typed when Redis cannot answer. */
export function storeError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isRedisUnavailable(err)) return err;
  return new StoreUnavailableError(
    `store unavailable: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

/** The call's result; a failure typed by `storeError`. */
export function typed<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw storeError(err);
  });
}
