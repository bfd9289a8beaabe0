import type { GraphQLContext } from "./context.ts";

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
  ctx.access?.requireSessions(ctx.principal, sessionIds, field);
}
