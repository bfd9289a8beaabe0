import type { SessionEvent } from "../domain/event-type.ts";
import { validateEvent } from "../domain/validate-event.ts";
import { builder } from "./builder.ts";
import { badInput } from "./errors.ts";
import { EventInput } from "./types/event-input.ts";
import { type EventErrorShape, TrackBatchResultRef, TrackResultRef } from "./types/track-result.ts";

builder.mutationField("trackEvent", (t) =>
  t.field({
    type: TrackResultRef,
    description: "Records one event, rescores the session and pushes its list if the order changed.",
    args: { event: t.arg({ type: EventInput, required: true }) },
    resolve: async (_root, { event }, { engine, config, now }) => {
      const checked = validateEvent(event, config, now(), "event");
      if (!checked.ok) throw badInput(checked.errors);
      return engine.track(checked.value);
    },
  }),
);

builder.mutationField("trackEvents", (t) =>
  t.field({
    type: TrackBatchResultRef,
    description:
      "Records a batch. By default all-or-nothing: if any event is invalid, nothing is written and the error lists every problem by index. With partial: true, valid events are recorded and invalid ones reported in errors.",
    args: {
      events: t.arg({ type: [EventInput], required: true }),
      partial: t.arg.boolean({ defaultValue: false }),
    },
    resolve: async (_root, { events, partial }, { engine, config, now }) => {
      if (events.length > config.MAX_BATCH_SIZE)
        throw badInput([
          { field: "events", message: `must hold at most ${config.MAX_BATCH_SIZE} events (got ${events.length})` },
        ]);
      const at = now();
      const valid: SessionEvent[] = [];
      const errors: EventErrorShape[] = [];
      events.forEach((e, index) => {
        const checked = validateEvent(e, config, at, `events[${index}]`);
        if (checked.ok) valid.push(checked.value);
        else for (const err of checked.errors) errors.push({ index, ...err });
      });
      if (errors.length > 0 && !partial) throw badInput(errors, { rejectedIndexes: [...new Set(errors.map((e) => e.index))] });
      const outcome = valid.length > 0 ? await engine.trackBatch(valid) : { accepted: 0, sessions: 0, published: 0 };
      return {
        accepted: outcome.accepted,
        rejected: events.length - valid.length,
        sessions: outcome.sessions,
        published: outcome.published,
        errors,
      };
    },
  }),
);
