import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
} from "graphql";
import type { Plugin, YogaServerInstance } from "graphql-yoga";
import type { Credentials } from "../auth/access.ts";
import type { Config } from "../config.ts";
import { checkAccess } from "./access/rules.ts";
import { ACCESS_CHECKED, type GraphQLContext, PRECOMPUTED } from "./context.ts";
import { operationRules } from "./limits.ts";
import { schema } from "./schema.ts";

/**
 * The direct path for the hot requests: a JSON POST of a query or mutation, answered
 * without yoga's fetch-API layer (Request/Response objects, header maps, body streams,
 * the envelop chain), which cost more per `trackEvent` than the event itself once
 * rescoring was fast. The operation runs through graphql-js with the same schema, the
 * same validation rules (cached per document), the same context and the same access
 * check, so a successful answer is what yoga would have sent.
 *
 * Everything else goes to yoga untouched: GET, SSE, multipart, subscriptions, unknown
 * parameters, documents that fail validation, Accept headers this path does not
 * negotiate. And an answer with errors is rendered by yoga too: the result already
 * computed travels to yoga (`usePrecomputedResult`), which masks it, codes it, picks the
 * status and the content type exactly as it does for its own, without running anything
 * twice.
 */

type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** A document parsed and validated once: `null` when it did not validate (yoga answers). */
type Plan = { document: DocumentNode } | null;

/** At most this many documents are kept, each at most this long: 16 MB at worst. */
const MAX_PLANS = 1000;
const MAX_CACHED_QUERY = 16_384;
const KNOWN_PARAMS = new Set(["query", "variables", "operationName", "extensions"]);

export interface DirectPath {
  /** True when this request was taken (answered here or handed to yoga with its body). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests answered here, and taken but handed to yoga (for tests and operators). */
  readonly counts: { answered: number; handedOver: number };
  /** Documents held parsed and validated (bounded). */
  cachedDocuments(): number;
}

export function createDirectPath(
  yoga: Yoga,
  config: Config,
  context: (credentials: Credentials) => GraphQLContext,
  credentials: (req: IncomingMessage) => Credentials,
  onUnexpected?: (error: unknown) => void,
): DirectPath {
  const rules: ValidationRule[] = [...specifiedRules, ...operationRules(config)];
  const plans = new Map<string, Plan>();
  const planOf = (query: string): Plan => {
    let plan = plans.get(query);
    if (plan !== undefined) return plan;
    try {
      const document = parse(query);
      plan = validate(schema, document, rules).length === 0 ? { document } : null;
    } catch {
      plan = null; // a syntax error: yoga reports it
    }
    // Bounded: a client sending ever-new documents evicts the oldest, never grows memory,
    // and a huge document is planned for its request only.
    if (query.length > MAX_CACHED_QUERY) return plan;
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value as string);
    plans.set(query, plan);
    return plan;
  };

  const counts = { answered: 0, handedOver: 0 };
  const toYoga = (req: IncomingMessage, res: ServerResponse, body: Buffer, extra?: object) => {
    counts.handedOver++;
    // whatwg-node takes a body read already from `req.body` (as behind Express).
    (req as IncomingMessage & { body?: Buffer }).body = body;
    void yoga(req, res, extra ?? {});
  };

  const run = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    contentType: string,
    state: { checked: boolean; executed: boolean },
  ): Promise<void> => {
    const params = paramsOf(body);
    const plan = params ? planOf(params.query) : null;
    const op = plan && params ? getOperationAST(plan.document, params.operationName) : null;
    if (!params || !plan || !op || op.operation === "subscription") return toYoga(req, res, body);
    const ctx = context(credentials(req));
    const denied = checkAccess(ctx, plan.document, params.operationName);
    const checked = { [ACCESS_CHECKED]: true };
    state.checked = true;
    state.executed = !denied;
    const result: ExecutionResult = denied
      ? { errors: [denied] }
      : await execute({
          schema,
          document: plan.document,
          variableValues: params.variables ?? undefined,
          operationName: params.operationName ?? undefined,
          contextValue: ctx,
        });
    // No `data`: graphql-js rejected the variables and nothing ran, so yoga may run the
    // request itself (its executor marks those errors for a 400 under the GraphQL-over-HTTP
    // spec). Any other error: yoga renders the result computed here.
    if (!denied && !("data" in result)) return toYoga(req, res, body, checked);
    if (result.errors?.length) return toYoga(req, res, body, { ...checked, [PRECOMPUTED]: result });
    const out = JSON.stringify(result);
    const headers: Record<string, string | number> = {
      "content-type": `${contentType}; charset=utf-8`,
      "content-length": Buffer.byteLength(out),
    };
    // yoga's default CORS answer to a request with an Origin (any origin is allowed).
    const origin = req.headers.origin;
    if (origin !== undefined) {
      headers["access-control-allow-origin"] = origin;
      headers.vary = "Origin";
      headers["access-control-allow-credentials"] = "true";
    }
    counts.answered++;
    res.writeHead(200, headers);
    res.end(out);
  };

  return {
    counts,
    cachedDocuments: () => plans.size,
    handle(req, res) {
      const contentType = answerType(req);
      if (contentType === undefined) return false;
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const state = { checked: false, executed: false };
        run(req, res, body, contentType, state).catch((err: unknown) => {
          // Before execution nothing ran, so yoga may answer the request itself. After it
          // (execute reports resolver errors as results, so this is a bug of this path),
          // running it again could apply an event twice: answer a masked 500 instead.
          if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
          else if (!state.executed)
            toYoga(req, res, body, state.checked ? { [ACCESS_CHECKED]: true } : {});
          else {
            onUnexpected?.(err);
            const out = JSON.stringify({ errors: [{ message: "Unexpected error." }] });
            res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
            res.end(out);
          }
        });
      });
      return true;
    },
  };
}

/**
 * The JSON type a request the direct path takes is answered in; undefined for the others.
 * It takes JSON POSTs that accept a JSON answer (not SSE or multipart), with no CORS
 * preflight headers to echo.
 */
function answerType(req: IncomingMessage): string | undefined {
  if (req.method !== "POST") return undefined;
  const type = req.headers["content-type"];
  if (type === undefined || !/^application\/json\s*(;|$)/i.test(type)) return undefined;
  if (req.headers["access-control-request-headers"] !== undefined) return undefined;
  return negotiate(req.headers.accept);
}

function paramsOf(body: Buffer): Params | undefined {
  let p: unknown;
  try {
    p = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof p !== "object" || p === null || Array.isArray(p)) return undefined;
  const o = p as Record<string, unknown>;
  for (const k in o) if (!KNOWN_PARAMS.has(k)) return undefined;
  if (typeof o.query !== "string") return undefined;
  const isObj = (v: unknown) => v == null || (typeof v === "object" && !Array.isArray(v));
  if (!isObj(o.variables) || !isObj(o.extensions)) return undefined;
  if (o.operationName != null && typeof o.operationName !== "string") return undefined;
  // Persisted-query extensions and the like are yoga's to interpret.
  if (o.extensions != null && Object.keys(o.extensions as object).length > 0) return undefined;
  return o as unknown as Params;
}

const REGULAR = ["application/graphql-response+json", "application/json"] as const;

/**
 * The content type yoga's result processor would pick for a single result: Accept's media
 * types (utf-8 only) in reverse order, each matched against the two JSON types, the last
 * match winning, so the first acceptable type listed wins. Undefined: none acceptable.
 */
export function negotiate(accept: string | undefined): string | undefined {
  const asked = (accept || "*/*").replace(/\s/g, "").toLowerCase().split(",");
  let chosen: string | undefined;
  for (let i = asked.length - 1; i >= 0; i--) {
    const [mediaType, ...params] = asked[i]!.split(";");
    const charset = params.find((p) => p.includes("charset=")) ?? "charset=utf-8";
    if (charset !== "charset=utf-8" || mediaType === undefined) continue;
    const [askedPre, askedSuf] = mediaType.split("/");
    for (const t of REGULAR) {
      const [pre, suf] = t.split("/");
      if ((askedPre === "*" || askedPre === pre) && (askedSuf === "*" || askedSuf === suf))
        chosen = t;
    }
  }
  return chosen;
}

/**
 * Hands a result computed by the direct path to yoga's pipeline in place of executing:
 * masking, error codes, status and content type then come from yoga's own plugins.
 */
export function usePrecomputedResult(): Plugin<GraphQLContext> {
  return {
    onExecute: ({ args, setExecuteFn }) => {
      const result = (args.contextValue as unknown as Record<string, unknown>)[PRECOMPUTED];
      if (result !== undefined) setExecuteFn(() => result as ExecutionResult);
    },
  };
}
