import type { Config } from "../config.ts";
import type { Engine } from "../ingest/engine.ts";
import type { SessionFeeds } from "../publish/session-feed.ts";

/** What every resolver gets: the one engine of this process and its settings. */
export interface GraphQLContext {
  engine: Engine;
  feeds: SessionFeeds;
  config: Config;
  /** The clock, used only to default a missing event timestamp. */
  now: () => number;
}
