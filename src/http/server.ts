import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AccessControl,
  type Credentials,
  httpCredentials,
  nodeHttpCredentials,
  wsCredentials,
} from "../auth/access.ts";
import type { Config } from "../config.ts";
import { useAccess } from "../graphql/access/rules.ts";
import type { GraphQLContext } from "../graphql/context.ts";
import { createDirectPath, type DirectPath } from "../graphql/direct.ts";
import { useOperationLimits } from "../graphql/limits.ts";
import { serveGraphQLOverWebSocket } from "../graphql/websocket.ts";
import { type ContextFactory, createGraphQLHandler } from "../graphql/yoga.ts";
import type { Engine } from "../ingest/engine.ts";
import { observeRequest } from "../observability/http.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { ServiceMetrics } from "../observability/metrics.ts";
import type { SessionFeeds } from "../publish/session-feed.ts";
import type { ModelHolder } from "../scoring/model-holder.ts";
import { createServices, type Services } from "../services.ts";
import type { Store } from "../state/store.ts";
import { bodyWithinLimit } from "./body-limit.ts";
import { serveRoute } from "./routes.ts";
import { OpenRequests, stopGracefully } from "./shutdown.ts";
import { openWebSockets } from "./websocket.ts";

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  engine: Engine;
  feeds: SessionFeeds;
  http: Server;
  /** The direct path for JSON queries and mutations (absent with DIRECT_PATH=false). */
  direct: DirectPath | undefined;
  metrics: ServiceMetrics;
  logger: Logger;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** JSON logger; by default one at config.LOG_LEVEL. */
  logger?: Logger;
  /** Report process metrics (CPU, memory, event loop, GC) at /metrics: once per process. */
  processMetrics?: boolean;
  /** The built demo page (default dist/web). */
  demoDir?: string;
  /**
   * How long close() lets in-flight HTTP requests run before it ends subscriptions, and
   * then how long WebSocket clients get to answer the close frame (ms, default 2000).
   */
  shutdownGraceMs?: number;
}

/**
 * One HTTP server: GraphQL over HTTP and SSE (yoga) and graphql-ws over WebSocket on the
 * same /graphql path, plus /health and /ready for orchestrators, /metrics (Prometheus)
 * and the demo page at /demo. The wiring of one process: services, metrics, access, the
 * GraphQL context, then the request handler (routes.ts, body-limit.ts), the sockets
 * (websocket.ts) and the graceful stop (shutdown.ts).
 */
export async function startServer(
  store: Store,
  config: Config,
  models: ModelHolder,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const services = createServices(store, config, models);
  const { engine, recommender, catalog, feeds } = services;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = new ServiceMetrics(
    {
      activeSubscriptions: () => feeds.activeCount,
      model: () => ({ name: models.scorer.name, generation: models.generation }),
      storeKind: store.kind,
    },
    { processMetrics: opts.processMetrics },
  );
  engine.onRescore = (seconds, r) => metrics.rescored(seconds, r.source, r.published);
  store.observeCommands?.((command, seconds, failed) =>
    metrics.redisCommand(command, seconds, failed),
  );
  const access = new AccessControl(config);
  // Credentials: HTTP headers (or access_token in the URL), or graphql-ws connectionParams.
  const contextFor = (credentials: Credentials): GraphQLContext => ({
    engine,
    recommender,
    catalog,
    feeds,
    config,
    now: Date.now,
    metrics,
    access,
    principal: access.authenticate(credentials),
  });
  const context: ContextFactory = (init) =>
    contextFor(
      init?.connectionParams !== undefined
        ? wsCredentials(init.connectionParams)
        : httpCredentials(init?.request),
    );
  const onUnexpected = (err: unknown) =>
    logger.error({ err }, "unexpected error, masked for the client");
  const yoga = createGraphQLHandler(context, {
    graphiql: config.GRAPHIQL,
    plugins: [useOperationLimits(config), useAccess()],
    onUnexpected,
  });
  const direct = config.DIRECT_PATH
    ? createDirectPath(yoga, config, contextFor, nodeHttpCredentials, onUnexpected)
    : undefined;

  // Once close() began, a request on a kept-alive connection is refused (new connections
  // are refused by the closed listener); the open ones are let finish.
  let closing: Promise<void> | undefined;
  const open = new OpenRequests();
  const routes = { store, metrics, logger, model: () => models.scorer.name, demoDir: opts.demoDir };
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    observeRequest(req, res, logger, metrics);
    if (closing) {
      res.writeHead(503, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: "shutting down" }));
      return;
    }
    open.track(req, res);
    const path = req.url?.split("?")[0] ?? "/";
    if (serveRoute(path, req, res, routes)) return;
    if (!bodyWithinLimit(req, res, config.MAX_BODY_BYTES)) return;
    if (path === "/graphql" && direct?.handle(req, res)) return;
    return yoga(req, res);
  });

  const sockets = openWebSockets(http, {
    path: "/graphql",
    maxPayload: config.MAX_BODY_BYTES,
    heartbeatSeconds: config.WS_HEARTBEAT_SECONDS,
    logger,
  });
  const websocket = serveGraphQLOverWebSocket(sockets.wss, yoga);

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;

  return {
    url: `http://${host}:${port}/graphql`,
    port,
    services,
    engine,
    feeds,
    http,
    direct,
    metrics,
    logger,
    close() {
      closing ??= stopGracefully({
        http,
        open,
        wss: sockets.wss,
        websocket,
        stopHeartbeat: sockets.stopHeartbeat,
        closeFeeds: () => feeds.closeAll(),
        graceMs: opts.shutdownGraceMs ?? 2000,
      });
      return closing;
    },
  };
}
