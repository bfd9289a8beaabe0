/**
 * Writes load/data/trivago-sessions.json for the k6 mixed scenario: whole real sessions
 * from the trivago RecSys Challenge 2019 sample (validation_part_a), at most MAX_EVENTS
 * events, as GraphQL EventInput objects. Usage: npx tsx bench/make-load-data.ts
 */
import { writeFileSync } from "node:fs";
import type { SessionEvent } from "../src/domain/event-type.ts";
import { loadSample, toInput } from "./lib/sample.ts";

const MAX_EVENTS = 300;
const sample = await loadSample();
const bySession = new Map<string, SessionEvent[]>();
for (const e of sample.events) {
  const l = bySession.get(e.sessionId);
  if (l) l.push(e);
  else bySession.set(e.sessionId, [e]);
}
// Sessions of 3-30 events that show a list (so reranking has work), in file order.
const sessions: { sessionId: string; events: Record<string, unknown>[] }[] = [];
let total = 0;
for (const [sessionId, evs] of bySession) {
  if (evs.length < 3 || evs.length > 30 || !evs.some((e) => e.impressions)) continue;
  if (total + evs.length > MAX_EVENTS) break;
  total += evs.length;
  sessions.push({
    sessionId,
    events: evs.map((e) => {
      const { sessionId: _s, ...rest } = toInput(e);
      return rest;
    }),
  });
}
const out = {
  source:
    "trivago RecSys Challenge 2019 (https://recsys.trivago.cloud/challenge/dataset/), file validation_part_a.csv.gz; whole sessions, converted with src/learn/load-events.ts",
  events: total,
  sessions,
};
const path = new URL("../load/data/trivago-sessions.json", import.meta.url).pathname;
writeFileSync(path, `${JSON.stringify(out)}\n`);
console.log(`wrote ${path}: ${sessions.length} sessions, ${total} events`);
