import type { IncomingMessage, ServerResponse } from "node:http";
import { refuse } from "./respond.ts";

/**
 * The body limit, checked before yoga reads anything: a body must declare its length
 * (Node's parser then never delivers more than that), and the length must be at most
 * MAX_BODY_BYTES. Answers 411 or 413 with a GraphQL-shaped error otherwise.
 */
export function bodyWithinLimit(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return true;
  const declared = req.headers["content-length"];
  if (declared === undefined) {
    if (req.headers["transfer-encoding"] === undefined) return true; // no body at all
    refuse(
      res,
      411,
      "LENGTH_REQUIRED",
      "Request body must declare its length (Content-Length; chunked bodies are not accepted)",
      { maxBytes: max },
    );
    req.resume();
    return false;
  }
  const n = Number(declared);
  if (!Number.isSafeInteger(n) || n > max) {
    refuse(
      res,
      413,
      "PAYLOAD_TOO_LARGE",
      `Request body is larger than the limit of ${max} bytes (MAX_BODY_BYTES)`,
      { maxBytes: max },
    );
    req.resume();
    return false;
  }
  return true;
}
