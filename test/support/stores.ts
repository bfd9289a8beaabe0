import { inject } from "vitest";
import { type Config, defaultConfig } from "../../src/config.ts";
import { Engine } from "../../src/ingest/engine.ts";
import { LinearScorer } from "../../src/scoring/linear-scorer.ts";
import { ModelHolder } from "../../src/scoring/model-holder.ts";
import { MemoryStore } from "../../src/state/memory-store.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import { uniquePrefix } from "./prefix.ts";

export const STORE_KINDS = ["memory", "redis"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoreOptions {
  /** Clock of a MemoryStore (epoch ms), to test TTLs without waiting. Ignored for Redis. */
  now?: () => number;
}

/** A fresh store: a new MemoryStore, or a RedisStore on the run's private redis-server. */
export function makeStore(kind: "memory", opts?: StoreOptions): MemoryStore;
export function makeStore(kind: "redis", opts?: StoreOptions): RedisStore;
export function makeStore(kind: StoreKind, opts?: StoreOptions): MemoryStore | RedisStore;
export function makeStore(kind: StoreKind, opts: StoreOptions = {}): MemoryStore | RedisStore {
  if (kind === "memory") return new MemoryStore(opts.now);
  return new RedisStore({ url: inject("redisUrl") });
}

export interface TestEngine {
  engine: Engine;
  store: MemoryStore | RedisStore;
  config: Config;
  close(): Promise<void>;
}

/** An Engine with the hand-weighted scorer on a fresh store and a unique key prefix. */
export function makeEngine(
  kind: StoreKind,
  configOverrides: Partial<Config> = {},
  opts: StoreOptions = {},
): TestEngine {
  const config = defaultConfig({ REDIS_PREFIX: uniquePrefix(), ...configOverrides });
  const store = makeStore(kind, opts);
  const engine = new Engine(store, config, new ModelHolder(new LinearScorer()));
  return { engine, store, config, close: () => store.close() };
}
