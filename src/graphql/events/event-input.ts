import { builder } from "../builder.ts";
import { EventTypeEnum } from "./event-type.ts";

export const EventInput = builder.inputType("EventInput", {
  description:
    "One event of a session. Item events (CLICKOUT, ITEM_*, SEARCH_ITEM, VIEW, ADD_TO_CART, PURCHASE) need itemId; IMPRESSIONS needs impressions; prices align with impressions.",
  fields: (t) => ({
    eventId: t.id({ description: "Client id of the event, for retries." }),
    sessionId: t.id({ required: true }),
    userId: t.id(),
    timestamp: t.field({
      type: "Timestamp",
      description: "Defaults to the time the server received it.",
    }),
    type: t.field({ type: EventTypeEnum, required: true }),
    itemId: t.id(),
    impressions: t.idList({
      description: "The list shown, in order (IMPRESSIONS, optionally CLICKOUT).",
    }),
    prices: t.floatList({ description: "Prices aligned with impressions." }),
    filters: t.stringList({ description: "The filters active now." }),
    sort: t.string(),
    city: t.string(),
    platform: t.string(),
    device: t.string(),
    query: t.string(),
  }),
});
