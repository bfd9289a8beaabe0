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
  MODEL_PATH: z.string().min(1).optional(),
  /** Append the saved state of every clickout/purchase to this JSONL file (for retraining). */
  RECORD_STATES_PATH: z.string().min(1).optional(),
  GRAPHIQL: bool(true),
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
  return parsed.data;
}

/** Defaults, for tests and offline tools that do not read the environment. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({}), ...overrides };
}
