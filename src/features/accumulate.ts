import type { SessionEvent } from "../domain/event-type.ts";
import type { Op } from "../state/ops.ts";
import type { Accumulator, EventInfo } from "./accumulators/accumulator.ts";
import { covisitation } from "./accumulators/covisitation.ts";
import { itemStats } from "./accumulators/item-stats.ts";
import { popularity } from "./accumulators/popularity.ts";
import { sessionItems } from "./accumulators/session-items.ts";
import { sessionState } from "./accumulators/session-state.ts";
import { userHistory } from "./accumulators/user-history.ts";
import type { FeatureContext } from "./context.ts";
import type { SessionSnapshot } from "./session-snapshot.ts";

/** Every accumulator, in the order their writes are applied. */
export const ACCUMULATORS: readonly Accumulator[] = [
  sessionState,
  sessionItems,
  itemStats,
  userHistory,
  covisitation,
  popularity,
];

/** All writes one event causes, given the session before it. Pure. */
export function eventWrites(
  event: SessionEvent,
  before: SessionSnapshot,
  ctx: FeatureContext,
): Op[] {
  const info: EventInfo = {
    event,
    before,
    step: before.step + 1,
    list: event.impressions ?? before.list,
    city: event.city ?? before.city,
    userId: event.userId ?? before.userId,
  };
  const ops: Op[] = [];
  for (const acc of ACCUMULATORS) for (const o of acc(info, ctx)) ops.push(o);
  return ops;
}
