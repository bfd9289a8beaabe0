import { EVENT_TYPES, type EventType } from "../../domain/event-type.ts";
import { constant, struct, zmscore } from "../../state/read-plan.ts";
import { recentEvents } from "../session-snapshot.ts";
import { defineFamily } from "./family.ts";

/**
 * Who and where: whether the session's user clicked the candidate before (in any
 * session), its popularity in the session's city, and the session as a whole (its length,
 * its touched items, its filters, the gap before its latest event, that event's type).
 */
export const contextFamily = defineFamily({
  name: "context",
  features: [
    "user_clicked_before",
    "city_pop",
    "session_step",
    "session_items",
    "n_filters",
    "last_gap_secs",
    "last_type",
  ],
  reads: (keys, snap, list) =>
    struct({
      userHistory: snap.userId
        ? zmscore(keys.userHistory(snap.userId), list.items)
        : constant(undefined),
      cityPopularity: snap.city
        ? zmscore(keys.cityPopularity(snap.city), list.items)
        : constant(undefined),
    }),
  fill(rows, { snap, list, data }) {
    const previous = recentEvents(snap)[1];
    const lastGap = previous !== undefined ? (snap.lastTs - previous.timestamp) / 1000 : -1;
    const lastType = snap.lastType ? EVENT_TYPES.indexOf(snap.lastType as EventType) : -1;
    for (let i = 0; i < list.items.length; i++) {
      rows.set(i, "user_clicked_before", data.userHistory?.[i] != null ? 1 : 0);
      rows.set(i, "city_pop", Math.log1p(data.cityPopularity?.[i] ?? 0));
      rows.set(i, "session_step", snap.step);
      rows.set(i, "session_items", snap.items.size);
      rows.set(i, "n_filters", snap.filters.length);
      rows.set(i, "last_gap_secs", lastGap);
      rows.set(i, "last_type", lastType);
    }
  },
});
