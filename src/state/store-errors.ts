/**
 * Errors that mean "the store cannot answer right now" (Redis down, restarting, loading
 * its data, a cluster failing over), as opposed to a bug. The API turns these into a
 * retryable `SERVICE_UNAVAILABLE` error (src/graphql/unavailable.ts) instead of masking
 * them as "Unexpected error.".
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

export function isStoreUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    const name = e.name;
    if (name === "MaxRetriesPerRequestError" || name === "ClusterAllFailedError") return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NET_CODES.has(code)) return true;
    const message = e.message ?? "";
    if (REPLY_CODES.test(message)) return true;
    if (CLIENT_MESSAGES.some((m) => message.includes(m))) return true;
    // GraphQL and ioredis wrap causes: follow them.
    e =
      (e as { originalError?: unknown }).originalError ??
      (e as { cause?: unknown }).cause ??
      (e as { lastNodeError?: unknown }).lastNodeError;
  }
  return false;
}
