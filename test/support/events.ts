import { randomBytes } from "node:crypto";
import type { EventInput, EventType } from "../../src/generated/graphql.ts";

/** Event time of the first event of a test; later events step by one second. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** A fresh id (session, item, user) so tests sharing a server never share state. */
export function uid(label: string): string {
  return `${label}-${randomBytes(5).toString("hex")}`;
}

/** Events of one session with increasing timestamps. */
export function sessionEvents(sessionId: string, start = T0) {
  let t = start;
  const at = () => {
    const ts = t;
    t += 1000;
    return ts;
  };
  return {
    sessionId,
    impressions(items: string[], prices?: number[], extra: Partial<EventInput> = {}): EventInput {
      return {
        sessionId,
        type: "IMPRESSIONS",
        timestamp: at(),
        impressions: items,
        prices: prices ?? items.map((_, i) => 100 + i * 10),
        ...extra,
      };
    },
    item(type: EventType, itemId: string, extra: Partial<EventInput> = {}): EventInput {
      return { sessionId, type, itemId, timestamp: at(), ...extra };
    },
  };
}
