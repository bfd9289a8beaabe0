import { type ASTNode, GraphQLError } from "graphql";
import { maskError } from "graphql-yoga";
import type { ErrorCode, Refusal } from "../domain/error-codes.ts";
import type { FieldError } from "../domain/result.ts";
import { StoreUnavailableError } from "../state/store-errors.ts";

/**
 * The builders of every error the API answers with on purpose, one per code of the
 * catalogue (domain/error-codes.ts). Yoga passes GraphQLErrors through unmasked; anything
 * else thrown is masked as "Unexpected error." (maskErrors below).
 */
export function apiError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  nodes?: readonly ASTNode[],
): GraphQLError {
  return new GraphQLError(message, { nodes, extensions: { code, ...extensions } });
}

/**
 * A client mistake: the message names every offending field, and `extensions.fields`
 * carries them as data for programs.
 */
export function badInput(
  errors: readonly FieldError[],
  extra: Record<string, unknown> = {},
): GraphQLError {
  const message = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return apiError("BAD_USER_INPUT", `Invalid input: ${message}`, { fields: errors, ...extra });
}

/** HTTP status of the refusals that have their own (yoga reads `extensions.http`). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/** An expected refusal of the access rules (auth/access.ts) as an API error. */
export function refused(r: Refusal): GraphQLError {
  const status = HTTP_STATUS[r.code];
  const retry = r.retryAfterSeconds;
  const http =
    status === undefined
      ? undefined
      : retry !== undefined
        ? { status, headers: { "retry-after": String(retry) } }
        : { status };
  return apiError(r.code, r.message, {
    ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
    ...(http ? { http } : {}),
  });
}

export function notConfigured(message: string): GraphQLError {
  return apiError("NOT_CONFIGURED", message);
}

/** Seconds a client should wait before retrying a SERVICE_UNAVAILABLE error. */
export const RETRY_AFTER_SECONDS = 1;

/** Whether the cause of an error is the store's typed "cannot answer now". */
function storeUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof StoreUnavailableError) return true;
    e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one place unexpected errors are masked: yoga's error masking. A store that cannot
 * answer (its calls reject with StoreUnavailableError) gives SERVICE_UNAVAILABLE with
 * `retryable: true, retryAfterSeconds`, over HTTP, SSE and WebSocket alike, with no trace
 * of the cause; every other unexpected error is "Unexpected error.". An event that got
 * this error may or may not have been applied; retry it with the same `eventId` to have
 * it applied exactly once.
 */
export function maskErrors(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? undefined) : error;
  if (original !== undefined && !(original instanceof GraphQLError) && storeUnavailable(original)) {
    const g = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(
      "Service temporarily unavailable (storage unreachable); retry shortly.",
      {
        nodes: g?.nodes,
        source: g?.source,
        positions: g?.positions,
        path: g?.path,
        extensions: {
          code: "SERVICE_UNAVAILABLE" satisfies ErrorCode,
          retryable: true,
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        },
      },
    );
  }
  return maskError(error, message, isDev);
}
