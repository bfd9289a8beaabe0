import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ExecutionArgs, execute, subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Config } from "./config.ts";
import type { GraphQLContext } from "./graphql/context.ts";
import { createGraphQLHandler } from "./graphql/yoga.ts";
import { Engine } from "./ingest/engine.ts";
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
  close(): Promise<void>;
}

/**
 * One HTTP server: GraphQL over HTTP and SSE (yoga) and graphql-ws over WebSocket on the
 * same /graphql path, plus /health and /ready for orchestrators.
 */
export async function startServer(store: Store, config: Config, models: ModelHolder): Promise<RunningServer> {
  const engine = new Engine(store, config, models);
  const feeds = new SessionFeeds(engine);
  const context = (): GraphQLContext => ({ engine, feeds, config, now: Date.now });
  const yoga = createGraphQLHandler(context, { graphiql: config.GRAPHIQL });

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.split("?")[0];
    if (path === "/health") return json(res, 200, { status: "ok" });
    if (path === "/ready") {
      void store.ping().then((ok) =>
        json(res, ok ? 200 : 503, { ready: ok, store: store.kind, model: models.scorer.name }),
      );
      return;
    }
    if (path === "/") {
      res.writeHead(302, { location: "/graphql" });
      return res.end();
    }
    return yoga(req, res);
  });

  const wss = new WebSocketServer({ server: http, path: "/graphql" });
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
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;

  return {
    url: `http://${host}:${port}/graphql`,
    port,
    engine,
    feeds,
    http,
    async close() {
      // Tell WebSocket clients we are going away (1001), end SSE streams, then stop.
      await ws.dispose();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeIdleConnections();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        setTimeout(() => http.closeAllConnections(), 2000).unref();
      });
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
