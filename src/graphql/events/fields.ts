import type { SessionEvent } from "../../domain/event-type.ts";
import { validateEvent } from "../../domain/validate-event.ts";
import { requireSessions } from "../access/rules.ts";
import { builder } from "../builder.ts";
import { badInput } from "../errors.ts";
import { EventInput } from "./event-input.ts";
import { type EventErrorShape, TrackBatchResultRef, TrackResultRef } from "./track-result.ts";

builder.mutationField("trackEvent", (t) =>
  t.field({
    type: TrackResultRef,
    description:
      "Records one event, rescores the session and pushes its list if the order changed.",
    args: { event: t.arg({ type: EventInput, required: true }) },
    resolve: async (_root, { event }, ctx) => {
      const { engine, config, now, metrics } = ctx;
      const checked = validateEvent(event, config, now(), "event");
      metrics?.event(event.type, checked.ok ? "accepted" : "rejected");
      if (!checked.ok) throw badInput(checked.errors);
      requireSessions(ctx, [checked.value.sessionId], "event.sessionId");
      return engine.track(checked.value);
    },
  }),
);

builder.mutationField("trackEvents", (t) =>
  t.field({
    type: TrackBatchResultRef,
    description:
      "Records a batch. By default all-or-nothing: if any event is invalid, nothing is written and the error lists every problem by index. With partial: true, valid events are recorded and invalid ones reported in errors. Each session touched is rescored once, after its last event, and its list pushed if the order changed; with rescore: false (an import or a backfill) the events are only recorded: nothing is rescored or pushed until the session's next rescored event or query.",
    args: {
      events: t.arg({ type: [EventInput], required: true }),
      partial: t.arg.boolean({ defaultValue: false }),
      rescore: t.arg.boolean({ defaultValue: true }),
    },
    resolve: async (_root, { events, partial, rescore }, ctx) => {
      const { engine, config, now, metrics } = ctx;
      if (events.length > config.MAX_BATCH_SIZE) {
        metrics?.events(events, () => "rejected");
        throw badInput([
          {
            field: "events",
            message: `must hold at most ${config.MAX_BATCH_SIZE} events (got ${events.length})`,
          },
        ]);
      }
      const at = now();
      const valid: SessionEvent[] = [];
      const errors: EventErrorShape[] = [];
      const failed = new Set<number>();
      events.forEach((e, index) => {
        const checked = validateEvent(e, config, at, `events[${index}]`);
        if (checked.ok) valid.push(checked.value);
        else {
          failed.add(index);
          for (const err of checked.errors) errors.push({ index, ...err });
        }
      });
      // All-or-nothing: one invalid event and every event of the batch is rejected.
      const allRejected = errors.length > 0 && !partial;
      metrics?.events(events, (i) => (allRejected || failed.has(i) ? "rejected" : "accepted"));
      if (errors.length > 0 && !partial)
        throw badInput(errors, { rejectedIndexes: [...new Set(errors.map((e) => e.index))] });
      requireSessions(
        ctx,
        valid.map((e) => e.sessionId),
        "events.sessionId",
      );
      const outcome =
        valid.length > 0
          ? await engine.trackBatch(valid, { rescore: rescore !== false })
          : { accepted: 0, sessions: 0, published: 0 };
      return {
        accepted: outcome.accepted,
        duplicates: outcome.duplicates ?? 0,
        rejected: events.length - valid.length,
        sessions: outcome.sessions,
        published: outcome.published,
        errors,
      };
    },
  }),
);
