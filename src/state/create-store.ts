import type { Config } from "../config.ts";
import { MemoryStore } from "./memory-store.ts";
import { RedisClusterStore } from "./redis-cluster-store.ts";
import { RedisStore } from "./redis-store.ts";
import type { Store } from "./store.ts";

/**
 * A Redis Cluster when REDIS_CLUSTER_NODES is set, one Redis when REDIS_URL is set,
 * otherwise the in-memory store (loadConfig rejects both Redis settings at once).
 */
export function createStore(config: Config): Store {
  if (config.REDIS_CLUSTER_NODES) {
    const password = config.REDIS_CLUSTER_PASSWORD;
    return new RedisClusterStore({
      nodes: config.REDIS_CLUSTER_NODES,
      redisOptions: password ? { password } : undefined,
    });
  }
  return config.REDIS_URL ? new RedisStore({ url: config.REDIS_URL }) : new MemoryStore();
}
