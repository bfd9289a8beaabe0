import type { Socket } from "node:net";
import { type Config, defaultConfig } from "../../src/config.ts";
import { type RunningServer, startServer } from "../../src/http/server.ts";
import { LinearScorer } from "../../src/scoring/linear-scorer.ts";
import { ModelHolder } from "../../src/scoring/model-holder.ts";
import type { Scorer } from "../../src/scoring/scorer.ts";
import type { MemoryStore } from "../../src/state/memory-store.ts";
import { RedisClusterStore } from "../../src/state/redis-cluster-store.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import { uniquePrefix } from "./prefix.ts";
import { type AnyStore, makeStore, type StoreKind } from "./stores.ts";

export interface TestServer {
  kind: StoreKind;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** http://127.0.0.1:<port> (for /health, /ready). */
  origin: string;
  server: RunningServer;
  store: AnyStore;
  config: Config;
  models: ModelHolder;
  /** Keys this server's store holds under its prefix (to prove a rejected write wrote nothing). */
  keyCount(): Promise<number>;
  /** Stops the server (ends SSE and WebSocket clients), then closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Scorer to rank with; the hand-weighted LinearScorer by default. */
  scorer?: Scorer;
  /** For "redis": another Redis than the run's shared one (e.g. a private one to break). */
  redisUrl?: string;
  /** For "cluster": another Redis Cluster than the run's shared one (seed nodes). */
  clusterNodes?: { host: string; port: number }[];
}

/**
 * A real server (HTTP, SSE and WebSocket on one port) on a free loopback port, over a fresh
 * store: a new MemoryStore, or a RedisStore on the run's private redis-server with a
 * unique key prefix. Pass `REDIS_PREFIX` to make two instances share one keyspace, as two
 * replicas of the service would.
 */
export async function startTestServer(
  kind: StoreKind,
  overrides: Partial<Config> = {},
  opts: TestServerOptions = {},
): Promise<TestServer> {
  const config = defaultConfig({
    PORT: 0,
    HOST: "127.0.0.1",
    REDIS_PREFIX: uniquePrefix(),
    GRAPHIQL: false,
    LOG_LEVEL: "silent",
    ...overrides,
  });
  const store: AnyStore =
    kind === "redis" && opts.redisUrl
      ? new RedisStore({ url: opts.redisUrl })
      : kind === "cluster" && opts.clusterNodes
        ? new RedisClusterStore({ nodes: opts.clusterNodes })
        : makeStore(kind);
  const models = new ModelHolder(opts.scorer ?? new LinearScorer());
  let server: RunningServer;
  try {
    server = await startServer(store, config, models);
  } catch (e) {
    await store.close();
    throw e;
  }
  // Node's fetch (undici) opens a fresh socket after a streaming response is aborted and
  // never sends a request on it. Node's http server does not count such a socket as idle,
  // so server.close() would wait out its 2 s grace for it. Sockets that never carried a
  // request or an upgrade are destroyed at close; everything else closes as in production.
  const unused = new Set<Socket>();
  server.http.on("connection", (socket: Socket) => {
    unused.add(socket);
    socket.once("close", () => unused.delete(socket));
  });
  server.http.on("request", (req: { socket: Socket }) => unused.delete(req.socket));
  server.http.on("upgrade", (req: { socket: Socket }) => unused.delete(req.socket));
  let closing: Promise<void> | undefined;
  return {
    kind,
    url: server.url,
    origin: new URL(server.url).origin,
    server,
    store,
    config,
    models,
    keyCount: () => countKeys(store, config.REDIS_PREFIX),
    close() {
      closing ??= (async () => {
        const stopped = server.close();
        for (const socket of unused) socket.destroy();
        await stopped;
        await store.close();
      })();
      return closing;
    },
  };
}

/** Keys of one prefix: all of a MemoryStore (one per server), SCAN MATCH on Redis. */
export async function countKeys(
  store: MemoryStore | RedisStore | RedisClusterStore,
  prefix: string,
): Promise<number> {
  if (store.kind === "memory") return store.size();
  if (store.kind === "cluster") {
    let total = 0;
    for (const node of store.client.nodes("master")) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        total += keys.length;
      } while (cursor !== "0");
    }
    return total;
  }
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await store.client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== "0");
  return n;
}
