import type { AccessControl, Principal } from "../auth/access.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../ingest/engine.ts";
import type { ServiceMetrics } from "../observability/metrics.ts";
import type { SessionFeeds } from "../publish/session-feed.ts";
import type { Recommender } from "../recommend/recommender.ts";

/**
 * What every resolver gets: the services of this process (resolvers call them, never the
 * store) and its settings.
 */
export interface GraphQLContext {
  /** The write path: events, batches, forgetting. */
  engine: Engine;
  /** The read path: lists, sessions, popularity, the model in use. */
  recommender: Recommender;
  catalog: Catalog;
  feeds: SessionFeeds;
  config: Config;
  /** The clock, used only to default a missing event timestamp. */
  now: () => number;
  /** Counters of events, pushes and rescores (absent in tools that run no server). */
  metrics?: ServiceMetrics;
  /** Keys, tokens and rate limits (absent: open, as in tools that run no server). */
  access?: AccessControl;
  /** Who sent this request, from its credentials (see auth/access.ts). */
  principal?: Principal;
}

/** The context key under which the direct path hands yoga a finished result (graphql/direct.ts). */
export const PRECOMPUTED = "sessionrankPrecomputedResult";

/**
 * Set when the direct path checked the operation's access (and took its rate-limit token)
 * before handing the request to yoga, so that yoga's `useAccess` does not take a second.
 */
export const ACCESS_CHECKED = "sessionrankAccessChecked";
