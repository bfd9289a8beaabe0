import type { FieldError } from "../../domain/result.ts";
import type { TrackOutcome } from "../../ingest/engine.ts";
import { builder } from "../builder.ts";
import { RecommendationListRef } from "../recommendations/list.ts";

export const TrackResultRef = builder.objectRef<TrackOutcome>("TrackResult").implement({
  fields: (t) => ({
    accepted: t.boolean({ resolve: () => true }),
    sessionId: t.exposeID("sessionId"),
    step: t.exposeInt("step", { description: "The event's position in its session." }),
    published: t.exposeBoolean("published", {
      description:
        "Whether the event changed the ranked order: the list got a new version, pushed to the session's subscribers.",
    }),
    recommendations: t.field({ type: RecommendationListRef, resolve: (o) => o.list }),
    duplicate: t.boolean({
      description:
        "True when an event with this eventId was applied already (a client retry): nothing was written again, and the list is the session's current one.",
      resolve: (o) => o.duplicate === true,
    }),
  }),
});

export interface EventErrorShape extends FieldError {
  index: number;
}

export const EventErrorRef = builder.objectRef<EventErrorShape>("EventError").implement({
  fields: (t) => ({
    index: t.exposeInt("index", { description: "Position of the event in the batch." }),
    field: t.exposeString("field"),
    message: t.exposeString("message"),
  }),
});

export interface BatchResultShape {
  accepted: number;
  duplicates: number;
  rejected: number;
  sessions: number;
  published: number;
  errors: EventErrorShape[];
}

export const TrackBatchResultRef = builder
  .objectRef<BatchResultShape>("TrackBatchResult")
  .implement({
    fields: (t) => ({
      accepted: t.exposeInt("accepted"),
      rejected: t.exposeInt("rejected"),
      duplicates: t.exposeInt("duplicates", {
        description:
          "Accepted events skipped as retries of events applied already (same eventId): each is written once.",
      }),
      sessions: t.exposeInt("sessions", { description: "Sessions touched (each rescored once)." }),
      published: t.exposeInt("published", { description: "Sessions whose ranked order changed." }),
      errors: t.field({ type: [EventErrorRef], resolve: (r) => r.errors }),
    }),
  });
