/**
 * Every error code the service answers with (`extensions.code` of a GraphQL error, and of
 * the GraphQL-shaped body of a request refused before GraphQL), and what it means: the
 * one catalogue. The API's builders are in graphql/errors.ts, the HTTP ones in
 * http/errors.ts; docs/errors.md (and the README) document this list.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT:
    "An argument or an event is invalid: the message names every field, extensions.fields lists them; nothing was written.",
  SERVICE_UNAVAILABLE:
    "The store cannot answer right now (Redis down, restarting, a cluster failing over): retry after extensions.retryAfterSeconds (an event with an eventId is then applied once).",
  RATE_LIMITED:
    "A rate limit (per API key or token, or per session) was exceeded: retry after extensions.retryAfterSeconds (HTTP 429, Retry-After).",
  UNAUTHENTICATED:
    "No credentials, or an unknown, expired or forged key or token, while API_KEYS is set (HTTP 401).",
  FORBIDDEN:
    "The credentials do not allow this operation: a read key used for a mutation, or a session token used beyond its session (HTTP 403).",
  QUERY_TOO_DEEP: "The operation nests selections deeper than MAX_QUERY_DEPTH.",
  QUERY_TOO_COMPLEX:
    "The operation selects more than MAX_QUERY_FIELDS fields (fragments counted at each use, aliases included).",
  NOT_CONFIGURED:
    "The operation needs a setting the service does not have (createSessionToken without SESSION_TOKEN_SECRET).",
  PAYLOAD_TOO_LARGE: "The request body is larger than MAX_BODY_BYTES (HTTP 413).",
  LENGTH_REQUIRED:
    "The request body does not declare its length (chunked bodies are refused; HTTP 411).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected refusal, as a value: its code, its message, and any data for the client. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** Seconds to wait before retrying (RATE_LIMITED, SERVICE_UNAVAILABLE). */
  retryAfterSeconds?: number;
}
