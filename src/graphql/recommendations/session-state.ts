import { ITEM_EVENT_TYPES } from "../../domain/event-type.ts";
import { recentEvents, type SessionSnapshot } from "../../features/session-snapshot.ts";
import type { SessionItemCounters } from "../../state/ops.ts";
import { builder } from "../builder.ts";

interface ShownItem {
  itemId: string;
  position: number;
  price: number | null;
}
interface TouchCount {
  type: string;
  count: number;
}
interface TouchedItem {
  itemId: string;
  counters: SessionItemCounters;
}
interface RecentEventShape {
  type: string;
  itemId: string | null;
  step: number;
  timestamp: number;
}

const ShownItemRef = builder.objectRef<ShownItem>("ShownItem").implement({
  fields: (t) => ({
    itemId: t.exposeID("itemId"),
    position: t.exposeInt("position", { description: "0 = first shown." }),
    price: t.exposeFloat("price", { nullable: true }),
  }),
});

const TouchCountRef = builder.objectRef<TouchCount>("TouchCount").implement({
  fields: (t) => ({ type: t.exposeString("type"), count: t.exposeInt("count") }),
});

const TouchedItemRef = builder.objectRef<TouchedItem>("TouchedItem").implement({
  fields: (t) => ({
    itemId: t.exposeID("itemId"),
    touches: t.int({ resolve: (i) => i.counters.n }),
    firstStep: t.int({ resolve: (i) => i.counters.first }),
    lastStep: t.int({ resolve: (i) => i.counters.last }),
    byType: t.field({
      type: [TouchCountRef],
      resolve: (i) =>
        ITEM_EVENT_TYPES.map((type, k) => ({ type, count: i.counters.byType[k] ?? 0 })).filter(
          (c) => c.count > 0,
        ),
    }),
  }),
});

const RecentEventRef = builder.objectRef<RecentEventShape>("RecentEvent").implement({
  fields: (t) => ({
    type: t.exposeString("type"),
    itemId: t.exposeID("itemId", { nullable: true }),
    step: t.exposeInt("step"),
    timestamp: t.field({ type: "Timestamp", resolve: (e) => e.timestamp }),
  }),
});

export const SessionStateRef = builder.objectRef<SessionSnapshot>("SessionState").implement({
  description: "A session's accumulated state, as the scorer sees it.",
  fields: (t) => ({
    sessionId: t.exposeID("sessionId"),
    steps: t.exposeInt("step", { description: "Events so far." }),
    lastEventAt: t.field({
      type: "Timestamp",
      nullable: true,
      resolve: (s) => (s.lastTs > 0 ? s.lastTs : null),
    }),
    userId: t.exposeID("userId", { nullable: true }),
    city: t.exposeString("city", { nullable: true }),
    platform: t.exposeString("platform", { nullable: true }),
    device: t.exposeString("device", { nullable: true }),
    sort: t.exposeString("sort", { nullable: true }),
    filters: t.exposeStringList("filters"),
    list: t.field({
      type: [ShownItemRef],
      description: "The list currently shown, in shown order.",
      resolve: (s) =>
        s.list.map((itemId, position) => ({
          itemId,
          position,
          price: s.prices?.[position] ?? null,
        })),
    }),
    touchedItems: t.field({
      type: [TouchedItemRef],
      description: "Items the session interacted with, most recent first.",
      resolve: (s) => s.touched.map((itemId) => ({ itemId, counters: s.items.get(itemId)! })),
    }),
    recentEvents: t.field({
      type: [RecentEventRef],
      description: "The latest events, newest first (bounded).",
      resolve: (s) => recentEvents(s).map((e) => ({ ...e, itemId: e.itemId ?? null })),
    }),
    publishedVersion: t.exposeInt("publishedVersion"),
  }),
});
