import type { Config } from "../config.ts";
import type { Keys } from "../domain/keys.ts";

/** What accumulators and features need besides the event: the key builder and the bounds. */
export interface FeatureContext {
  keys: Keys;
  config: Pick<
    Config,
    | "SESSION_TTL_SECONDS"
    | "USER_TTL_SECONDS"
    | "SESSION_RECENT_EVENTS"
    | "SESSION_MAX_ITEMS"
    | "USER_MAX_ITEMS"
    | "COVISIT_TOP_K"
    | "COVISIT_WINDOW"
    | "POPULAR_TOP_K"
  >;
}
