import { z } from "zod";

/**
 * Every setting comes from the environment and is checked once at start. A bad value
 * stops the process with one message per problem, so an operator fixes them all at once
 * instead of one per restart.
 */
const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

export const configSchema = z.object({
  PORT: int(4000, 0, 65535),
  HOST: z.string().min(1).default("0.0.0.0"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
    .optional(),
  /**
   * Seed nodes of a Redis Cluster, `host:port,host:port` (any subset of the nodes; the
   * rest is discovered). Set: the cluster store is used and REDIS_URL must be unset.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const nodes: { host: string; port: number }[] = [];
      for (const part of v
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")) {
        const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(part);
        const port = m ? Number(m[2]) : 0;
        if (!m || port < 1 || port > 65535) {
          ctx.addIssue({ code: "custom", message: `"${part}" is not host:port (port 1-65535)` });
          continue;
        }
        nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ""), port });
      }
      if (nodes.length === 0)
        ctx.addIssue({ code: "custom", message: "names no node (expected host:port,host:port)" });
      return nodes;
    }),
  /** Password of the cluster nodes (AUTH), when they require one. */
  REDIS_CLUSTER_PASSWORD: z.string().min(1).optional(),
  /**
   * Seconds between WebSocket pings; a socket that has not answered the previous ping is
   * closed (vanished clients release their subscriptions). SSE streams get yoga's own
   * keep-alive comment every 12 s.
   */
  WS_HEARTBEAT_SECONDS: int(15, 1, 600),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,32}$/, "1-32 characters of A-Z a-z 0-9 _ . -")
    .default("sr"),
  SESSION_TTL_SECONDS: int(7 * 24 * 3600, 60, 365 * 24 * 3600),
  USER_TTL_SECONDS: int(90 * 24 * 3600, 60, 3 * 365 * 24 * 3600),
  MAX_BATCH_SIZE: int(1000, 1, 100_000),
  MAX_IMPRESSIONS: int(300, 1, 5000),
  MAX_CANDIDATES: int(500, 1, 5000),
  MAX_LIST_ITEMS: int(50, 1, 1000),
  MAX_STRING_LENGTH: int(256, 16, 4096),
  MAX_ID_LENGTH: int(128, 8, 1024),
  SESSION_RECENT_EVENTS: int(50, 1, 1000),
  SESSION_MAX_ITEMS: int(100, 1, 10_000),
  USER_MAX_ITEMS: int(200, 1, 10_000),
  COVISIT_TOP_K: int(50, 1, 1000),
  COVISIT_WINDOW: int(3, 1, 20),
  POPULAR_TOP_K: int(500, 10, 100_000),
  DEFAULT_LIMIT: int(25, 1, 1000),
  /** Item catalogue bounds: properties and numeric attributes per item. */
  MAX_ITEM_PROPERTIES: int(200, 1, 2000),
  MAX_ITEM_ATTRIBUTES: int(32, 1, 256),
  MODEL_PATH: z.string().min(1).optional(),
  /** Append the saved state of every clickout/purchase to this JSONL file (for retraining). */
  RECORD_STATES_PATH: z.string().min(1).optional(),
  GRAPHIQL: bool(true),
  /** Answer introspection queries (`__schema`, `__type`); switch off in production. */
  INTROSPECTION: bool(true),
  /**
   * Answer JSON POSTs of queries and mutations on the direct path (graphql-js without
   * yoga's fetch layer; see graphql/direct.ts). Off: yoga answers everything.
   */
  DIRECT_PATH: bool(true),
  /**
   * Retries of an event with the same `eventId` within this window are applied once
   * (0 switches the guard off). Up to IDEMPOTENCY_MAX_IDS ids are held per session.
   */
  IDEMPOTENCY_WINDOW_SECONDS: int(24 * 3600, 0, 30 * 24 * 3600),
  /**
   * How long a session counts as watched after an instance holding one of its subscribers
   * last said so (refreshed every third of it). A changed list of an unwatched session is
   * numbered but not built into a message nor sent.
   */
  SUBSCRIPTION_WATCH_SECONDS: int(60, 3, 3600),
  /** Send every changed list, watched or not (for consumers of the Redis channels themselves). */
  PUSH_UNWATCHED: bool(false),
  IDEMPOTENCY_MAX_IDS: int(1000, 10, 100_000),
  /** Largest request body (HTTP) or WebSocket message accepted, in bytes. */
  MAX_BODY_BYTES: int(4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  /** Deepest selection nesting a GraphQL operation may have. */
  MAX_QUERY_DEPTH: int(12, 2, 100),
  /** Most fields an operation may select, counting fragments at each use and aliases. */
  MAX_QUERY_FIELDS: int(500, 10, 100_000),
  /**
   * `key:scope` pairs, comma separated (scope `write` or `read`; write implies read).
   * Unset: the service is open (development). Set: every operation needs a key or a
   * session token.
   */
  API_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const keys = new Map<string, "read" | "write">();
      for (const part of v
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")) {
        const m = /^([A-Za-z0-9._~+/=-]{16,256}):(read|write)$/.exec(part);
        if (!m) {
          ctx.addIssue({
            code: "custom",
            message: `"${part.replace(/:.*/, ":…")}" is not key:read or key:write (a key is 16-256 characters of A-Z a-z 0-9 . _ ~ + / = -)`,
          });
          continue;
        }
        keys.set(m[1]!, m[2] as "read" | "write");
      }
      if (keys.size === 0) ctx.addIssue({ code: "custom", message: "holds no key" });
      return keys;
    }),
  /** HMAC secret of session tokens (at least 32 characters); unset: no tokens are minted or accepted. */
  SESSION_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SESSION_TOKEN_DEFAULT_TTL_SECONDS: int(3600, 60, 30 * 24 * 3600),
  SESSION_TOKEN_MAX_TTL_SECONDS: int(24 * 3600, 60, 30 * 24 * 3600),
  /** Operations per second per API key or session token (token bucket, per instance); 0: no limit. */
  RATE_LIMIT_KEY_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(0),
  RATE_LIMIT_KEY_BURST: int(200, 1, 10_000_000),
  /** Operations per second touching one session (token bucket, per instance); 0: no limit. */
  RATE_LIMIT_SESSION_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(0),
  RATE_LIMIT_SESSION_BURST: int(50, 1, 10_000_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so that `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.join(".");
        const value = env[key];
        return `${key}=${JSON.stringify(value)}: ${i.message}`;
      }),
    );
  }
  if (parsed.data.REDIS_URL !== undefined && parsed.data.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError([
      "REDIS_URL and REDIS_CLUSTER_NODES are both set: set REDIS_URL for one Redis, REDIS_CLUSTER_NODES for a Redis Cluster",
    ]);
  }
  return parsed.data;
}

/** Defaults, for tests and offline tools that do not read the environment. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({}), ...overrides };
}
