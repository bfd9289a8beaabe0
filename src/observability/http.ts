import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "./logger.ts";
import type { Route, ServiceMetrics } from "./metrics.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const METHODS = new Set(["GET", "HEAD", "POST", "OPTIONS"]);

/** The request's id: the caller's `x-request-id` when it is a sane token, else a new UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
}

export function routeOf(path: string): Route {
  if (path === "/graphql") return "/graphql";
  if (path === "/demo" || path.startsWith("/demo/")) return "/demo";
  if (path === "/health" || path === "/ready" || path === "/metrics") return path;
  return "other";
}

/**
 * Gives the request an id (echoed in `x-request-id`, and set on the request's headers so
 * that everything downstream sees the same one) and, when the response ends, logs one line
 * and observes its duration. Probes and scrapes log at debug level, server errors at error.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  metrics: ServiceMetrics,
): string {
  const id = requestId(req);
  req.headers["x-request-id"] = id;
  res.setHeader("x-request-id", id);
  const start = process.hrtime.bigint();
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const route = routeOf(path);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const method = METHODS.has(req.method ?? "") ? req.method! : "other";
    // The client went away before a status was sent: 499, as nginx logs it. A stream (SSE)
    // the client closed keeps its status, flagged `aborted`.
    const status = res.headersSent ? res.statusCode : 499;
    metrics.httpRequest(route, method, status, seconds);
    const line = {
      reqId: id,
      method: req.method,
      path,
      status,
      ms: Math.round(seconds * 1e4) / 10,
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (status >= 500) logger.error(line, "request failed");
    else if (route === "/health" || route === "/ready" || route === "/metrics")
      logger.debug(line, "request");
    else logger.info(line, "request");
  };
  res.once("finish", finish);
  res.once("close", finish);
  return id;
}
