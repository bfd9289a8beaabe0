import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Config } from "../config.ts";
import type { Refusal } from "../domain/error-codes.ts";
import { RateLimiter } from "./rate-limit.ts";
import { isSessionTokenShaped, verifySessionToken } from "./tokens.ts";

/**
 * Who may do what, in one place. Context creation turns the request's credentials into a
 * Principal (`authenticate`); each operation is checked against it (its type and root
 * fields: graphql/access.ts reads them from the document) and takes a rate-limit token per
 * key; resolvers call `requireSessions` with the session ids they touch. Refusals are
 * values (domain/error-codes.ts); the API turns them into its errors.
 *
 * - API_KEYS unset: the service is open (every operation allowed, credentials ignored).
 * - A `read` key: queries and subscriptions. A `write` key: everything.
 * - A session token: reads and subscriptions of its own session (plus the catalogue-wide
 *   queries below), and `trackEvent`/`trackEvents` for its own session only.
 */
export type Principal =
  | { kind: "open" }
  | { kind: "key"; scope: "read" | "write"; id: string }
  | { kind: "token"; sessionId: string; exp: number }
  | { kind: "none"; problem: string };

export interface Credentials {
  /** An `Authorization: Bearer …` value, an `x-api-key` value, or a token from connectionParams. */
  bearer?: string | undefined;
  apiKey?: string | undefined;
}

export type OperationType = "query" | "mutation" | "subscription";

/** What the access rules look at of an operation: its type and (lazily) its root fields. */
export interface OperationShape {
  type: OperationType;
  rootFields(): string[];
}

/** Root fields a session token may use, per operation type. Everything else needs a key. */
const TOKEN_FIELDS: Record<OperationType, ReadonlySet<string>> = {
  query: new Set([
    "recommendations",
    "session",
    "similarItems",
    "popularItems",
    "model",
    "__typename",
    "__schema",
    "__type",
  ]),
  mutation: new Set(["trackEvent", "trackEvents", "__typename"]),
  subscription: new Set(["recommendations"]),
};

const unauthenticated = (message: string): Refusal => ({ code: "UNAUTHENTICATED", message });
const forbidden = (message: string): Refusal => ({ code: "FORBIDDEN", message });
const rateLimited = (what: string, retryAfterSeconds: number): Refusal => ({
  code: "RATE_LIMITED",
  message: `Rate limit exceeded for ${what}; retry after ${retryAfterSeconds} s`,
  retryAfterSeconds,
});

function fingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

/** The process-wide part: configured keys (hashed for constant-time lookup) and rate limiters. */
export class AccessControl {
  readonly enabled: boolean;
  private readonly keys = new Map<string, "read" | "write">();
  readonly perKey: RateLimiter;
  readonly perSession: RateLimiter;

  constructor(
    readonly config: Config,
    readonly now: () => number = Date.now,
  ) {
    this.enabled = config.API_KEYS !== undefined;
    for (const [key, scope] of config.API_KEYS ?? []) this.keys.set(fingerprint(key), scope);
    this.perKey = new RateLimiter(
      config.RATE_LIMIT_KEY_PER_SECOND,
      config.RATE_LIMIT_KEY_BURST,
      now,
    );
    this.perSession = new RateLimiter(
      config.RATE_LIMIT_SESSION_PER_SECOND,
      config.RATE_LIMIT_SESSION_BURST,
      now,
    );
  }

  authenticate(creds: Credentials): Principal {
    if (!this.enabled) return { kind: "open" };
    const presented = creds.apiKey ?? creds.bearer;
    if (presented === undefined || presented === "")
      return {
        kind: "none",
        problem:
          "Authentication required: send an API key (header x-api-key or Authorization: Bearer <key>) or a session token (Authorization: Bearer <token>; connectionParams.authorization over WebSocket; access_token=<token> for EventSource)",
      };
    if (isSessionTokenShaped(presented)) {
      const secret = this.config.SESSION_TOKEN_SECRET;
      if (!secret)
        return { kind: "none", problem: "Session tokens are not enabled on this service" };
      const check = verifySessionToken(secret, presented, this.now());
      if (!check.ok) return { kind: "none", problem: `Invalid session token: ${check.reason}` };
      return { kind: "token", sessionId: check.claims.sessionId, exp: check.claims.exp };
    }
    // Looked up by hash: the lookup's timing says nothing about the key's characters.
    const id = fingerprint(presented);
    const scope = this.keys.get(id);
    if (!scope) return { kind: "none", problem: "Unknown API key" };
    return { kind: "key", scope, id };
  }

  /**
   * Checks an operation before it runs: credentials, scope for its root fields, and the
   * per-key (or per-token) rate limit. `shape` is undefined when the document names no
   * such operation (GraphQL reports that itself). The refusal to answer with, if any.
   */
  checkOperation(
    principal: Principal,
    shape: () => OperationShape | undefined,
  ): Refusal | undefined {
    if (principal.kind === "open") return undefined;
    if (principal.kind === "none") return unauthenticated(principal.problem);
    const op = shape();
    if (!op) return undefined;
    if (principal.kind === "key") {
      if (op.type === "mutation" && principal.scope !== "write")
        return forbidden("This API key is read-only: mutations need a key with write scope");
    } else {
      const allowed = TOKEN_FIELDS[op.type];
      const denied = op.rootFields().filter((f) => !allowed.has(f));
      if (denied.length > 0)
        return forbidden(
          `A session token may not use ${op.type} ${denied.join(", ")}: it needs an API key`,
        );
    }
    const limiterId = principal.kind === "key" ? `k:${principal.id}` : `t:${principal.sessionId}`;
    const wait = this.perKey.take(limiterId);
    if (wait > 0)
      return rateLimited(principal.kind === "key" ? "this API key" : "this session token", wait);
    return undefined;
  }

  /**
   * For resolvers: the operation touches these sessions. A session token must be for
   * each of them (FORBIDDEN otherwise); each session takes one per-session rate-limit token.
   */
  requireSessions(
    principal: Principal | undefined,
    sessionIds: Iterable<string>,
    field = "sessionId",
  ): Refusal | undefined {
    const ids = new Set(sessionIds);
    if (principal?.kind === "token") {
      for (const id of ids)
        if (id !== principal.sessionId)
          return forbidden(
            `${field}: this session token is for another session and cannot touch session ${JSON.stringify(id)}`,
          );
    }
    for (const id of ids) {
      const wait = this.perSession.take(id);
      if (wait > 0) return rateLimited(`session ${JSON.stringify(id)}`, wait);
    }
    return undefined;
  }
}

/** Reads credentials from an HTTP request (headers, or `access_token` in the URL for EventSource). */
export function httpCredentials(request: Request | undefined): Credentials {
  if (!request) return {};
  return credentialsOf((name) => request.headers.get(name) ?? undefined, request.url);
}

/** The same, from a Node request (the direct path, which never builds a fetch Request). */
export function nodeHttpCredentials(req: IncomingMessage): Credentials {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(", ") : v;
  };
  return credentialsOf(header, req.url ?? "/");
}

function credentialsOf(header: (name: string) => string | undefined, url: string): Credentials {
  const auth = header("authorization");
  const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const apiKey = header("x-api-key");
  let fromUrl: string | undefined;
  if (url.includes("access_token")) {
    try {
      fromUrl = new URL(url, "http://localhost").searchParams.get("access_token") ?? undefined;
    } catch {
      fromUrl = undefined;
    }
  }
  return { bearer: bearer ?? fromUrl, apiKey };
}

/** Reads credentials from graphql-ws connectionParams: `authorization` ("Bearer …" or bare), `token` or `apiKey`. */
export function wsCredentials(params: Readonly<Record<string, unknown>> | undefined): Credentials {
  if (!params) return {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const auth = str(params.authorization) ?? str(params.Authorization);
  const bearer = auth?.replace(/^Bearer\s+/i, "").trim() ?? str(params.token);
  return { bearer, apiKey: str(params.apiKey) ?? str(params["x-api-key"]) };
}
