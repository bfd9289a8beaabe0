import type { AccessControl, Principal } from "../auth/access.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../ingest/engine.ts";
import type { ServiceMetrics } from "../observability/metrics.ts";
import type { SessionFeeds } from "../publish/session-feed.ts";

/** What every resolver gets: the one engine of this process and its settings. */
export interface GraphQLContext {
  engine: Engine;
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
