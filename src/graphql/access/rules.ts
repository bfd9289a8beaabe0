import {
  type DocumentNode,
  getOperationAST,
  Kind,
  type OperationTypeNode,
  type SelectionSetNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { OperationShape, OperationType } from "../../auth/access.ts";
import { ACCESS_CHECKED, type GraphQLContext } from "../context.ts";
import { refused } from "../errors.ts";

/**
 * The access rules (auth/access.ts) applied to GraphQL: an operation's type and root
 * fields read from its document, refusals turned into API errors.
 */

/** The operation `operationName` of the document as the access rules see it. */
function shapeOf(
  document: DocumentNode,
  operationName?: string | null,
): OperationShape | undefined {
  const op = getOperationAST(document, operationName ?? undefined);
  if (!op) return undefined;
  return {
    type: op.operation as OperationTypeNode as OperationType,
    rootFields: () => rootFields(document, op.selectionSet),
  };
}

/** Names of the root fields an operation selects, through fragments. */
function rootFields(
  document: DocumentNode,
  set: SelectionSetNode,
  seen = new Set<string>(),
): string[] {
  const out: string[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT)
      out.push(...rootFields(document, s.selectionSet, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const frag = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
      );
      if (frag?.kind === Kind.FRAGMENT_DEFINITION)
        out.push(...rootFields(document, frag.selectionSet, seen));
    }
  }
  return out;
}

/**
 * The access check of one operation (credentials, scope, per-key rate limit: see
 * auth/access.ts), undefined when allowed. Shared by `useAccess` and the direct path.
 */
export function checkAccess(
  contextValue: unknown,
  document: DocumentNode,
  operationName?: string | null,
) {
  const ctx = contextValue as Partial<GraphQLContext> & Record<string, unknown>;
  if (!ctx.access || !ctx.principal) return undefined;
  // Checked (and its rate-limit token taken) already on the direct path.
  if (ctx[ACCESS_CHECKED] === true) return undefined;
  const refusal = ctx.access.checkOperation(ctx.principal, () => shapeOf(document, operationName));
  return refusal ? refused(refusal) : undefined;
}

/** Checks credentials, scope and the per-key rate limit of each operation (see auth/access.ts). */
export function useAccess(): Plugin<GraphQLContext> {
  const check = (args: {
    contextValue: unknown;
    document: DocumentNode;
    operationName?: string | null;
  }) => checkAccess(args.contextValue, args.document, args.operationName);
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const err = check(args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const err = check(args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
  };
}

/**
 * Every resolver that reads or writes a session calls this with the session ids it
 * touches (after checking their shape): a session token must be for each of them, and
 * each takes a per-session rate-limit token. No-op when the service is open.
 */
export function requireSessions(
  ctx: GraphQLContext,
  sessionIds: Iterable<string>,
  field?: string,
): void {
  const refusal = ctx.access?.requireSessions(ctx.principal, sessionIds, field);
  if (refusal) throw refused(refusal);
}
