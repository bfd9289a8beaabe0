import type { SessionEvent } from "../../domain/event-type.ts";
import type { Op } from "../../state/ops.ts";
import type { FeatureContext } from "../context.ts";
import type { SessionSnapshot } from "../session-snapshot.ts";

/**
 * An accumulator turns one event into writes: a pure function of the event, the session
 * state before it and the configuration. It never touches a store.
 */
export interface EventInfo {
  event: SessionEvent;
  /** The session before the event. */
  before: SessionSnapshot;
  /** This event's step in the session (1-based). */
  step: number;
  /** The list shown when the event happened (the event's own, else the session's). */
  list: readonly string[];
  /** The event's city, else the session's. */
  city: string | undefined;
  userId: string | undefined;
}

export type Accumulator = (info: EventInfo, ctx: FeatureContext) => Op[];
