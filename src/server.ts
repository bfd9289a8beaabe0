import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionArgs, execute, subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import {
  AccessControl,
  type Credentials,
  httpCredentials,
  nodeHttpCredentials,
  wsCredentials,
} from "./auth/access.ts";
import type { Config } from "./config.ts";
import { isDemoPath, serveDemo } from "./demo/static.ts";
import type { GraphQLContext } from "./graphql/context.ts";
import { createDirectPath, type DirectPath } from "./graphql/direct.ts";
import { useAccess, useOperationLimits } from "./graphql/limits.ts";
import { type ContextFactory, createGraphQLHandler } from "./graphql/yoga.ts";
import { Engine } from "./ingest/engine.ts";
import { observeRequest, requestId } from "./observability/http.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { ServiceMetrics } from "./observability/metrics.ts";
import { instrumentRedis, redisClientOf } from "./observability/redis.ts";
import { SessionFeeds } from "./publish/session-feed.ts";
import type { ModelHolder } from "./scoring/model-holder.ts";
import type { Store } from "./state/store.ts";

type Operation = (args: ExecutionArgs) => OperationResult;
interface Enveloped {
  execute: Operation;
  subscribe: Operation;
}
type OperationResult = ReturnType<typeof execute> | ReturnType<typeof subscribe>;

export interface RunningServer {
  url: string;
  port: number;
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
 * and the demo page at /demo.
 */
export async function startServer(
  store: Store,
  config: Config,
  models: ModelHolder,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const engine = new Engine(store, config, models);
  const feeds = new SessionFeeds(engine);
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
  const redis = redisClientOf(store);
  if (redis) instrumentRedis(redis, metrics);
  const access = new AccessControl(config);
  // Credentials: HTTP headers (or access_token in the URL), or graphql-ws connectionParams.
  const contextFor = (credentials: Credentials): GraphQLContext => ({
    engine,
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

  // Shutdown state: once close() began, a request on a kept-alive connection is refused
  // (new connections are refused by the closed listener). Requests in flight, other than
  // event streams, are counted so that close() can let them finish.
  let closing: Promise<void> | undefined;
  const inFlight = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    observeRequest(req, res, logger, metrics);
    if (closing) {
      res.writeHead(503, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: "shutting down" }));
      return;
    }
    const tracked = req.headers.accept?.includes("text/event-stream") ? streams : inFlight;
    tracked.add(res);
    res.once("close", () => tracked.delete(res));
    const path = req.url?.split("?")[0] ?? "/";
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
      return;
    }
    if (isDemoPath(path)) {
      void serveDemo(req, res, opts.demoDir).catch((err: unknown) => {
        logger.error({ err, path }, "demo page failed");
        if (!res.headersSent) json(res, 500, { error: "demo page failed" });
        else res.destroy();
      });
      return;
    }
    if (path === "/health") return json(res, 200, { status: "ok" });
    if (path === "/ready") {
      void store
        .ping()
        .then((ok) =>
          json(res, ok ? 200 : 503, { ready: ok, store: store.kind, model: models.scorer.name }),
        );
      return;
    }
    if (path === "/") {
      res.writeHead(302, { location: "/graphql" });
      return res.end();
    }
    if (!bodyWithinLimit(req, res, config.MAX_BODY_BYTES)) return;
    if (path === "/graphql" && direct?.handle(req, res)) return;
    return yoga(req, res);
  });

  // A larger WebSocket message closes the connection (1009 "Max payload size exceeded").
  const wss = new WebSocketServer({
    server: http,
    path: "/graphql",
    maxPayload: config.MAX_BODY_BYTES,
  });
  wss.on("connection", (socket, req) => {
    const reqId = requestId(req);
    logger.debug({ reqId, path: "/graphql", transport: "ws" }, "websocket open");
    socket.once("close", (code) =>
      logger.debug({ reqId, code, transport: "ws" }, "websocket closed"),
    );
  });
  // Heartbeat: ping every socket each WS_HEARTBEAT_SECONDS; one that did not answer the
  // previous ping is gone (laptop closed, network dropped) and is terminated, which ends
  // its subscriptions and releases their feeds.
  const alive = new WeakMap<object, boolean>();
  wss.on("connection", (socket) => {
    alive.set(socket, true);
    socket.on("pong", () => alive.set(socket, true));
  });
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, config.WS_HEARTBEAT_SECONDS * 1000);
  heartbeat.unref();
  wss.on("close", () => clearInterval(heartbeat));
  const ws = useServer(
    {
      // yoga's enveloped execute/subscribe travel in rootValue (see onSubscribe).
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const graceMs = opts.shutdownGraceMs ?? 2000;

  /**
   * Graceful stop, in order: (1) stop listening, so new connections are refused; (2) let
   * in-flight requests finish, up to the grace period; (3) close WebSocket sockets with
   * 1001 (going away), terminating those that do not answer within the grace period;
   * (4) cut SSE streams (no `complete`: like a dropped connection, it tells clients to
   * reconnect, to another instance, rather than that the subscription is over); (5) end
   * any feed still open; (6) close idle keep-alive connections, and any left at the end of
   * the grace period. The store stays open: the caller closes it afterwards.
   */
  const shutdown = async (): Promise<void> => {
    const waitFor = async (done: () => boolean, until: number) => {
      while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    };
    clearInterval(heartbeat);
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    await waitFor(() => inFlight.size === 0, Date.now() + graceMs);
    const wsDeadline = Date.now() + graceMs;
    const disposed = Promise.resolve(ws.dispose()).catch(() => {});
    await waitFor(() => wss.clients.size === 0, wsDeadline);
    for (const c of wss.clients) c.terminate();
    await disposed;
    for (const res of streams) res.destroy();
    await feeds.closeAll();
    // Ended event streams leave their keep-alive connections idle a moment later.
    http.closeIdleConnections();
    const idle = setInterval(() => http.closeIdleConnections(), 20);
    const force = setTimeout(() => http.closeAllConnections(), graceMs);
    await httpClosed;
    clearInterval(idle);
    clearTimeout(force);
  };
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;

  return {
    url: `http://${host}:${port}/graphql`,
    port,
    engine,
    feeds,
    http,
    direct,
    metrics,
    logger,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/**
 * The body limit, checked before yoga reads anything: a body must declare its length
 * (Node's parser then never delivers more than that), and the length must be at most
 * MAX_BODY_BYTES. Answers 411 or 413 with a GraphQL-shaped error otherwise.
 */
function bodyWithinLimit(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return true;
  const declared = req.headers["content-length"];
  const fail = (status: number, code: string, message: string) => {
    res.writeHead(status, { "content-type": "application/json", connection: "close" });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code, maxBytes: max } }] }));
    req.resume();
    return false;
  };
  if (declared === undefined) {
    if (req.headers["transfer-encoding"] === undefined) return true; // no body at all
    return fail(
      411,
      "LENGTH_REQUIRED",
      "Request body must declare its length (Content-Length; chunked bodies are not accepted)",
    );
  }
  const n = Number(declared);
  if (!Number.isSafeInteger(n) || n > max)
    return fail(
      413,
      "PAYLOAD_TOO_LARGE",
      `Request body is larger than the limit of ${max} bytes (MAX_BODY_BYTES)`,
    );
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
