/**
 * Where one event's CPU goes: each stage of the event path run in process against a private
 * redis-server, 16 at a time (as 16 HTTP connections would), its CPU per event read from
 * process.cpuUsage (service side) and from /proc (Redis side); then the real service over
 * HTTP for the same events, so the HTTP + GraphQL share is the difference.
 *   npx tsx bench/stages.ts [--events 20000] [--reps 3]
 * Medians of --reps; every rep writes fresh sessions (renamed), on a store warmed by one pass.
 */
import type { SessionEvent } from "../src/domain/event-type.ts";
import { makeEngine } from "./ingest.ts";
import { numberOption } from "./lib/args.ts";
import { hammer } from "./lib/load.ts";
import { procCpu, startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventBody } from "./lib/sample.ts";
import { median, round } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => numberOption(argv, name, d);
const EVENTS = opt("events", 20_000);
const REPS = opt("reps", 3);
const CONCURRENCY = 16;

const sample = await loadSample();
const redis = await startRedis();
const redisPid = redis.pid;
const { engine, store } = await makeEngine(redis.url, "st");

async function stage(
  events: readonly SessionEvent[],
  run: (e: SessionEvent) => Promise<unknown>,
): Promise<{ perSec: number; nodeUs: number; redisUs: number }> {
  const c0 = process.cpuUsage();
  const r0 = procCpu(redisPid);
  const t0 = performance.now();
  let k = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (k < events.length) await run(events[k++]!);
    }),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return {
    perSec: round((events.length / ms) * 1000, 0),
    nodeUs: round((c.user + c.system) / events.length, 1),
    redisUs: round((procCpu(redisPid) - r0) / events.length, 1),
  };
}

const base = sample.events.slice(0, EVENTS);
// Warm: one pass of the same events (so items, co-visitation and JIT are warm).
await engine.trackBatch(renamed(base, "warm"), { rescore: false });
const rows: Record<string, { perSec: number; nodeUs: number; redisUs: number }[]> = {
  "snapshot read (1 round trip)": [],
  "ingest: snapshot + writes computed + applied (2 round trips)": [],
  "track: ingest + rescore + publish when changed": [],
};
for (let r = 0; r < REPS; r++) {
  const ingestEvents = renamed(base, `i${r}`);
  rows["ingest: snapshot + writes computed + applied (2 round trips)"]!.push(
    await stage(ingestEvents, (e) => engine.ingest(e)),
  );
  // Snapshots of sessions that now have their whole state.
  rows["snapshot read (1 round trip)"]!.push(
    await stage(ingestEvents, (e) => engine.snapshot(e.sessionId)),
  );
  rows["track: ingest + rescore + publish when changed"]!.push(
    await stage(renamed(base, `t${r}`), (e) => engine.track(e)),
  );
}
await store.close();

// The same events through the real service (one worker): its CPU per request from /proc.
const svc = await startService({ redisUrl: redis.url, workers: 1, prefix: "sv" });
const pid = svc.child.pid!;
const http: { perSec: number; nodeUs: number; redisUs: number }[] = [];
await hammer(svc.url, renamed(base, "hw").map(trackEventBody), { connections: 16, seconds: 3 });
for (let r = 0; r < REPS; r++) {
  const s0 = procCpu(pid);
  const r0 = procCpu(redisPid);
  const res = await hammer(svc.url, renamed(base, `h${r}`).map(trackEventBody), {
    connections: 16,
    seconds: 5,
  });
  http.push({
    perSec: res.reqPerSec,
    nodeUs: round((procCpu(pid) - s0) / res.requests, 1),
    redisUs: round((procCpu(redisPid) - r0) / res.requests, 1),
  });
}
await svc.stop();
await redis.stop();
rows["trackEvent over HTTP (the service, one worker)"] = http;

console.log(
  `| stage (${EVENTS} trivago events, ${CONCURRENCY} at a time, median of ${REPS}) | events/s | service CPU µs/event | Redis CPU µs/event |`,
);
console.log("|---|---:|---:|---:|");
for (const [name, rs] of Object.entries(rows))
  console.log(
    `| ${name} | ${median(rs.map((x) => x.perSec)).toLocaleString("en-US")} | ${median(rs.map((x) => x.nodeUs))} | ${median(rs.map((x) => x.redisUs))} |`,
  );
process.exit(0);
