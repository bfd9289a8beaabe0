import { existsSync } from "node:fs";
import { defaultConfig } from "../../src/config.ts";
import type { SessionEvent } from "../../src/domain/event-type.ts";
import { loadEvents } from "../../src/learn/load-events.ts";

export const SAMPLE_PATH =
  process.env.BENCH_SAMPLE ?? "/work/shared/data/trivago-rsc19/validation_part_a.csv.gz";
const FALLBACK = new URL("../../test/fixtures/trivago-part-a-head.csv", import.meta.url).pathname;

export interface Sample {
  path: string;
  events: SessionEvent[];
  sessions: number;
  bad: number;
}

/** The trivago sample in time order (validated exactly as replay validates it). */
export async function loadSample(): Promise<Sample> {
  const path = existsSync(SAMPLE_PATH) ? SAMPLE_PATH : FALLBACK;
  const { events, bad } = await loadEvents(path, defaultConfig());
  return { path, events, sessions: new Set(events.map((e) => e.sessionId)).size, bad: bad.length };
}

/** The same events as new sessions (and a later time), so a pass adds history. */
export function renamed(events: readonly SessionEvent[], tag: string, shiftMs = 0): SessionEvent[] {
  return events.map((e) => ({
    ...e,
    sessionId: `${e.sessionId}.${tag}`,
    timestamp: e.timestamp + shiftMs,
  }));
}

/** An event as GraphQL EventInput variables (Timestamp accepts epoch ms). */
export function toInput(e: SessionEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) out[k] = v;
  return out;
}

export const TRACK_EVENT =
  "mutation Track($event: EventInput!) { trackEvent(event: $event) { accepted published step recommendations { version } } }";
export const TRACK_EVENTS =
  "mutation TrackBatch($events: [EventInput!]!) { trackEvents(events: $events) { accepted rejected sessions published } }";

/** Shape (1): a collector's event, which selects only whether it was accepted. */
export const COLLECT_EVENT =
  "mutation Collect($event: EventInput!) { trackEvent(event: $event) { accepted } }";
/** Shape (2): a frontend's event with read-your-writes, the list after this event. */
export const FRONTEND_EVENT =
  "mutation Frontend($event: EventInput!) { trackEvent(event: $event) { recommendations { version items { itemId } } } }";

const OPERATION = /^mutation (\w+)/;

export function trackEventBody(e: SessionEvent): string {
  return eventBody(e, TRACK_EVENT);
}

/** One trackEvent request; `query` is TRACK_EVENT (push's driver), COLLECT_EVENT or FRONTEND_EVENT. */
export function eventBody(e: SessionEvent, query: string): string {
  return JSON.stringify({
    query,
    operationName: OPERATION.exec(query)?.[1],
    variables: { event: toInput(e) },
  });
}

/** The same batch as an import: `rescore: false` records the events only. */
export const IMPORT_EVENTS =
  "mutation Import($events: [EventInput!]!) { trackEvents(events: $events, rescore: false) { accepted rejected sessions published } }";

export function trackEventsBody(
  es: readonly SessionEvent[],
  opts: { rescore?: boolean } = {},
): string {
  return JSON.stringify({
    query: opts.rescore === false ? IMPORT_EVENTS : TRACK_EVENTS,
    operationName: opts.rescore === false ? "Import" : "TrackBatch",
    variables: { events: es.map(toInput) },
  });
}
