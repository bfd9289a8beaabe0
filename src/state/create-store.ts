import type { Config } from "../config.ts";
import { MemoryStore } from "./memory-store.ts";
import { RedisStore } from "./redis-store.ts";
import type { Store } from "./store.ts";

/** Redis when REDIS_URL is set, otherwise the in-memory store. */
export function createStore(config: Config): Store {
  return config.REDIS_URL ? new RedisStore({ url: config.REDIS_URL }) : new MemoryStore();
}
