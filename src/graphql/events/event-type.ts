import { EVENT_TYPES } from "../../domain/event-type.ts";
import { builder } from "../builder.ts";

export const EventTypeEnum = builder.enumType("EventType", {
  description: "What happened in a session.",
  values: EVENT_TYPES,
});
