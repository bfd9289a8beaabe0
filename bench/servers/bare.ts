/**
 * The framework ceilings, run as their own process so the load generator does not share
 * their event loop:
 *   yoga    a bare graphql-yoga (defaults) serving the real schema (schema/schema.graphql),
 *           so the mutation has exactly the same input shape, with no-op resolvers;
 *   pubsub  the same yoga with yoga's in-memory pub/sub (createPubSub): every trackEvent
 *           bumps its session's version and publishes a 10-item list to that session's
 *           `recommendations` subscribers, over SSE (yoga) and graphql-ws (WebSocket), wired
 *           as the service wires them: the push floor of the framework, for bench/push.ts;
 *   http    bare node:http: read the body, answer a fixed JSON document.
 * Usage: tsx bench/servers/bare.ts <yoga|pubsub|http> <port>; prints "ready" when listening.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createPubSub, createSchema, createYoga } from "graphql-yoga";
import { WebSocketServer } from "ws";

const [kind = "yoga", portArg = "0"] = process.argv.slice(2);
const port = Number(portArg);

interface NoopEvent {
  sessionId: string;
  itemId?: string | null;
}

interface List {
  sessionId: string;
  version: number;
  items: { itemId: string; rank: number; score: number; reasons: string[] }[];
  trigger: null;
  generatedAt: number;
  source: "RERANK";
  model: string;
}

const list = (sessionId: string, version = 0, items: List["items"] = []): List => ({
  sessionId,
  version,
  items,
  trigger: null,
  generatedAt: 0,
  source: "RERANK",
  model: "noop",
});

/** Ten items, rotated by the version: a "reordered" list of the size the subscribers ask for. */
const tenItems = (version: number): List["items"] =>
  Array.from({ length: 10 }, (_, i) => ({
    itemId: String(1000 + ((i + version) % 25)),
    rank: i + 1,
    score: 10 - i,
    reasons: [],
  }));

function yogaServer(withPubSub: boolean) {
  const typeDefs = readFileSync(new URL("../../schema/schema.graphql", import.meta.url), "utf8");
  const pubsub = createPubSub<{ list: [sessionId: string, payload: List] }>();
  const versions = new Map<string, number>();
  const schema = createSchema({
    typeDefs,
    resolvers: {
      Mutation: {
        trackEvent: (_: unknown, { event }: { event: NoopEvent }) => {
          if (!withPubSub)
            return {
              accepted: true,
              duplicate: false,
              published: false,
              sessionId: event.sessionId,
              step: 0,
              recommendations: list(event.sessionId),
            };
          const version = (versions.get(event.sessionId) ?? 0) + 1;
          versions.set(event.sessionId, version);
          const l = list(event.sessionId, version, tenItems(version));
          pubsub.publish("list", event.sessionId, l);
          return {
            accepted: true,
            duplicate: false,
            published: true,
            sessionId: event.sessionId,
            step: version,
            recommendations: l,
          };
        },
        trackEvents: (_: unknown, { events }: { events: NoopEvent[] }) => ({
          accepted: events.length,
          duplicates: 0,
          rejected: 0,
          sessions: 0,
          published: 0,
          errors: [],
        }),
      },
      Query: { model: () => "noop" },
      Subscription: {
        recommendations: {
          // The current list first (as the service sends it), then every published one.
          subscribe: async function* (_: unknown, { sessionId }: { sessionId: string }) {
            const pushed = pubsub.subscribe("list", sessionId);
            const v = versions.get(sessionId) ?? 0;
            yield list(sessionId, v, tenItems(v));
            for await (const l of pushed) yield l;
          },
          resolve: (l: List) => l,
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    graphqlEndpoint: "/graphql",
    logging: false,
    landingPage: false,
  });
  const server = createServer(yoga);
  if (withPubSub) {
    type Enveloped = ReturnType<typeof yoga.getEnveloped>;
    const wss = new WebSocketServer({ server, path: "/graphql" });
    useServer(
      {
        execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
        subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
        onSubscribe: async (ctx, _id, params) => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(
            { ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params },
          );
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
  }
  return server;
}

const reply = Buffer.from(
  JSON.stringify({
    data: {
      trackEvent: { accepted: true, published: false, step: 0, recommendations: { version: 0 } },
    },
  }),
);

const server =
  kind === "http"
    ? createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          res.writeHead(200, {
            "content-type": "application/json",
            "content-length": reply.length,
          });
          res.end(reply);
        });
      })
    : yogaServer(kind === "pubsub");

server.listen(port, "127.0.0.1", () => {
  const addr = server.address();
  console.log(`ready ${typeof addr === "object" && addr ? addr.port : port}`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
