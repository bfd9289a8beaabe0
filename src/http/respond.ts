import type { ServerResponse } from "node:http";
import type { ErrorCode } from "../domain/error-codes.ts";

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A request refused before GraphQL runs, answered in GraphQL's shape so clients read one
 * error format: `{ errors: [{ message, extensions: { code, ... } }] }`, and the connection
 * closed (the body may still be coming).
 */
export function refuse(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }));
}
