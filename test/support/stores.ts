import { inject } from "vitest";
import { type Config, defaultConfig } from "../../src/config.ts";
import type { Keys } from "../../src/domain/keys.ts";
import type { Engine } from "../../src/ingest/engine.ts";
import type { SessionWatches } from "../../src/publish/watches.ts";
import type { Recommender } from "../../src/recommend/recommender.ts";
import { LinearScorer } from "../../src/scoring/linear-scorer.ts";
import { ModelHolder } from "../../src/scoring/model-holder.ts";
import { createServices, type Services } from "../../src/services.ts";
import { MemoryStore } from "../../src/state/memory-store.ts";
import { RedisClusterStore } from "../../src/state/redis-cluster-store.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import { uniquePrefix } from "./prefix.ts";

export const STORE_KINDS = ["memory", "redis"] as const;
/** Every store, the Redis Cluster one included (the contract suites run on all three). */
export const ALL_STORE_KINDS = ["memory", "redis", "cluster"] as const;
export type StoreKind = (typeof ALL_STORE_KINDS)[number];

export interface StoreOptions {
  /** Clock of a MemoryStore (epoch ms), to test TTLs without waiting. Ignored for Redis. */
  now?: () => number;
}

/**
 * A fresh store: a new MemoryStore, a RedisStore on the run's private redis-server, or a
 * RedisClusterStore on the run's private Redis Cluster (3 masters, 3 replicas).
 */
export function makeStore(kind: "memory", opts?: StoreOptions): MemoryStore;
export function makeStore(kind: "redis", opts?: StoreOptions): RedisStore;
export function makeStore(kind: "cluster", opts?: StoreOptions): RedisClusterStore;
export function makeStore(kind: StoreKind, opts?: StoreOptions): AnyStore;
export function makeStore(kind: StoreKind, opts: StoreOptions = {}): AnyStore {
  if (kind === "memory") return new MemoryStore(opts.now);
  if (kind === "cluster") return new RedisClusterStore({ nodes: clusterNodes() });
  return new RedisStore({ url: inject("redisUrl") });
}

export type AnyStore = MemoryStore | RedisStore | RedisClusterStore;

/** Seed nodes of the run's Redis Cluster. */
export function clusterNodes(): { host: string; port: number }[] {
  return inject("redisClusterNodes").map((a) => {
    const [host, port] = a.split(":");
    return { host: host!, port: Number(port) };
  });
}

export interface TestEngine {
  /** The write path. */
  engine: Engine;
  /** The read path. */
  recommender: Recommender;
  services: Services;
  keys: Keys;
  watches: SessionWatches;
  store: AnyStore;
  config: Config;
  close(): Promise<void>;
}

/** The services, hand-weighted scorer, on a fresh store and a unique key prefix. */
export function makeEngine(
  kind: StoreKind,
  configOverrides: Partial<Config> = {},
  opts: StoreOptions = {},
): TestEngine {
  const config = defaultConfig({ REDIS_PREFIX: uniquePrefix(), ...configOverrides });
  const store = makeStore(kind, opts);
  const services = createServices(store, config, new ModelHolder(new LinearScorer()));
  return {
    engine: services.engine,
    recommender: services.recommender,
    services,
    keys: services.deps.keys,
    watches: services.watches,
    store,
    config,
    close: () => store.close(),
  };
}
