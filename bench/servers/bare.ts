/**
 * The framework ceilings, run as their own process so the load generator does not share
 * their event loop:
 *   yoga  a bare graphql-yoga (defaults) serving the real schema (schema/schema.graphql),
 *         so the mutation has exactly the same input shape, with no-op resolvers;
 *   http  bare node:http: read the body, answer a fixed JSON document.
 * Usage: tsx bench/servers/bare.ts <yoga|http> <port>; prints "ready" when listening.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";

const [kind = "yoga", portArg = "0"] = process.argv.slice(2);
const port = Number(portArg);

interface NoopEvent {
  sessionId: string;
}

function yogaHandler() {
  const typeDefs = readFileSync(new URL("../../schema/schema.graphql", import.meta.url), "utf8");
  const list = (sessionId: string) => ({
    sessionId,
    version: 0,
    items: [],
    trigger: null,
    generatedAt: 0,
    source: "RERANK",
    model: "noop",
  });
  const schema = createSchema({
    typeDefs,
    resolvers: {
      Mutation: {
        trackEvent: (_: unknown, { event }: { event: NoopEvent }) => ({
          accepted: true,
          published: false,
          sessionId: event.sessionId,
          step: 0,
          recommendations: list(event.sessionId),
        }),
        trackEvents: (_: unknown, { events }: { events: NoopEvent[] }) => ({
          accepted: events.length,
          rejected: 0,
          sessions: 0,
          published: 0,
          errors: [],
        }),
      },
      Query: { model: () => "noop" },
    },
  });
  return createYoga({ schema, graphqlEndpoint: "/graphql", logging: false, landingPage: false });
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
    : createServer(yogaHandler());

server.listen(port, "127.0.0.1", () => {
  const addr = server.address();
  console.log(`ready ${typeof addr === "object" && addr ? addr.port : port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
