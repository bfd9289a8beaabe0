import { Catalog } from "./catalog/catalog.ts";
import type { Config } from "./config.ts";
import { Engine } from "./ingest/engine.ts";
import { feedSource } from "./publish/feed-source.ts";
import { SessionFeeds } from "./publish/session-feed.ts";
import { SessionWatches } from "./publish/watches.ts";
import { createDeps, type Deps } from "./recommend/deps.ts";
import { Recommender } from "./recommend/recommender.ts";
import type { ModelHolder } from "./scoring/model-holder.ts";
import type { Store } from "./state/store.ts";

/**
 * The services of one process, wired once from the shared leaf (store, keys, config,
 * models): the write path, the read path, the catalogue, the subscribers' feeds and the
 * watches they hold. The server, the command line and the tests all build them here.
 */
export interface Services {
  readonly deps: Deps;
  readonly engine: Engine;
  readonly recommender: Recommender;
  readonly catalog: Catalog;
  readonly watches: SessionWatches;
  readonly feeds: SessionFeeds;
}

export function createServices(store: Store, config: Config, models: ModelHolder): Services {
  const deps = createDeps(store, config, models);
  const recommender = new Recommender(deps);
  const watches = new SessionWatches(store, deps.keys, config.SUBSCRIPTION_WATCH_SECONDS);
  return {
    deps,
    engine: new Engine(deps, recommender),
    recommender,
    catalog: new Catalog(store, deps.keys),
    watches,
    feeds: new SessionFeeds(feedSource(deps, recommender, watches)),
  };
}
