import type { Config } from "../config.ts";
import { createKeys, type Keys } from "../domain/keys.ts";
import type { ModelHolder } from "../scoring/model-holder.ts";
import type { Store } from "../state/store.ts";

/**
 * What the write path (the Engine), the read path (the Recommender) and the feeds share:
 * the store, its one key builder, the settings and the models. A leaf: it holds them and
 * does nothing itself, so every service above it is built from the same four things.
 */
export interface Deps {
  readonly store: Store;
  readonly keys: Keys;
  readonly config: Config;
  readonly models: ModelHolder;
}

export function createDeps(store: Store, config: Config, models: ModelHolder): Deps {
  return { store, keys: createKeys(config.REDIS_PREFIX), config, models };
}
