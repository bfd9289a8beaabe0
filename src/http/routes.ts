import type { IncomingMessage, ServerResponse } from "node:http";
import { isDemoPath, serveDemo } from "../demo/static.ts";
import type { Logger } from "../observability/logger.ts";
import type { ServiceMetrics } from "../observability/metrics.ts";
import type { Store } from "../state/store.ts";
import { json } from "./respond.ts";

export interface RouteDeps {
  store: Store;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Name of the model in use (for /ready). */
  model(): string;
  /** The built demo page (default dist/web). */
  demoDir?: string;
}

/**
 * The routes beside GraphQL: /health (liveness), /ready (the store answers and a model is
 * loaded), /metrics (Prometheus), the demo page, and / redirecting to GraphiQL. Returns
 * false for a path that is none of them.
 */
export function serveRoute(
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  deps: RouteDeps,
): boolean {
  const { metrics, logger, store } = deps;
  if (path === "/metrics") {
    void metrics.render().then(
      (body) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(body);
      },
      (err: unknown) => {
        logger.error({ err }, "metrics failed");
        json(res, 500, { error: "metrics failed" });
      },
    );
    return true;
  }
  if (isDemoPath(path)) {
    void serveDemo(req, res, deps.demoDir).catch((err: unknown) => {
      logger.error({ err, path }, "demo page failed");
      if (!res.headersSent) json(res, 500, { error: "demo page failed" });
      else res.destroy();
    });
    return true;
  }
  if (path === "/health") {
    json(res, 200, { status: "ok" });
    return true;
  }
  if (path === "/ready") {
    void store
      .ping()
      .then((ok) =>
        json(res, ok ? 200 : 503, { ready: ok, store: store.kind, model: deps.model() }),
      );
    return true;
  }
  if (path === "/") {
    res.writeHead(302, { location: "/graphql" });
    res.end();
    return true;
  }
  return false;
}
