import { GraphQLError } from "graphql";
import { maskError } from "graphql-yoga";
import { isStoreUnavailable } from "../state/store-errors.ts";

/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE error. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The one place store outages become API errors: yoga's error masking. A store that cannot
 * answer (Redis down or restarting, a cluster failing over) gives
 * `extensions: { code: "SERVICE_UNAVAILABLE", retryable: true, retryAfterSeconds }`, over
 * HTTP, SSE and WebSocket alike, with no trace of the cause; every other unexpected error
 * is still masked as "Unexpected error.". An event that got this error may or may not have
 * been applied; retry it with the same `eventId` to have it applied exactly once.
 */
export function maskStoreErrors(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  if (
    original !== undefined &&
    !(original instanceof GraphQLError) &&
    isStoreUnavailable(original)
  ) {
    const g = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(
      "Service temporarily unavailable (storage unreachable); retry shortly.",
      {
        nodes: g?.nodes,
        source: g?.source,
        positions: g?.positions,
        path: g?.path,
        extensions: {
          code: "SERVICE_UNAVAILABLE",
          retryable: true,
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        },
      },
    );
  }
  return maskError(error, message, isDev);
}
