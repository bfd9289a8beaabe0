/**
 * Where a batched event's CPU goes: Engine.trackBatch in process (chunks of --chunk, --conc
 * at a time) against a private redis-server, then the real service over HTTP with the same
 * chunks as trackEvents bodies; CPU per event from process.cpuUsage and /proc.
 *   npx tsx bench/batch-stages.ts [--events 20000] [--chunk 100] [--conc 4] [--reps 3]
 */
import type { SessionEvent } from "../src/domain/event-type.ts";
import { makeEngine } from "./ingest.ts";
import { numberOption } from "./lib/args.ts";
import { hammer } from "./lib/load.ts";
import { procCpu, startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventsBody } from "./lib/sample.ts";
import { median, round } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => numberOption(argv, name, d);
const EVENTS = opt("events", 20_000);
const CHUNK = opt("chunk", 100);
const CONC = opt("conc", 4);
const REPS = opt("reps", 3);

const chunks = (evs: readonly SessionEvent[]) => {
  const out: SessionEvent[][] = [];
  for (let i = 0; i + CHUNK <= evs.length; i += CHUNK) out.push(evs.slice(i, i + CHUNK));
  return out;
};

const sample = await loadSample();
const redis = await startRedis();
const redisPid = redis.pid;
const { engine, store } = await makeEngine(redis.url, "st");
const base = sample.events.slice(0, EVENTS);
await engine.trackBatch(renamed(base, "warm"), { rescore: false });

type Row = { perSec: number; nodeUs: number; redisUs: number };
async function inProcess(rescore: boolean, tag: string): Promise<Row> {
  const cs = chunks(renamed(base, tag));
  const c0 = process.cpuUsage();
  const r0 = procCpu(redisPid);
  const t0 = performance.now();
  let k = 0;
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (k < cs.length) await engine.trackBatch(cs[k++]!, { rescore });
    }),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const n = cs.length * CHUNK;
  return {
    perSec: round((n / ms) * 1000, 0),
    nodeUs: round((c.user + c.system) / n, 1),
    redisUs: round((procCpu(redisPid) - r0) / n, 1),
  };
}
const rows: Record<string, Row[]> = {};
const add = (k: string, r: Row) => {
  rows[k] ??= [];
  rows[k]!.push(r);
};
for (let r = 0; r < REPS; r++) {
  add("in process, rescore: false", await inProcess(false, `a${r}`));
  add("in process, rescored", await inProcess(true, `b${r}`));
}
await store.close();

const svc = await startService({ redisUrl: redis.url, workers: 1, prefix: "sv" });
const pid = svc.child.pid!;
const bodies = (tag: string, rescore: boolean) =>
  chunks(renamed(base, tag)).map((c) =>
    trackEventsBody(c, rescore ? undefined : { rescore: false }),
  );
await hammer(svc.url, bodies("hw", true), { connections: CONC, seconds: 3 });
for (let r = 0; r < REPS; r++) {
  for (const rescore of [false, true]) {
    const s0 = procCpu(pid);
    const r0 = procCpu(redisPid);
    const res = await hammer(svc.url, bodies(`h${r}${rescore}`, rescore), {
      connections: CONC,
      seconds: 5,
    });
    const n = res.requests * CHUNK;
    add(`HTTP trackEvents, ${rescore ? "rescored" : "rescore: false"}`, {
      perSec: res.reqPerSec * CHUNK,
      nodeUs: round((procCpu(pid) - s0) / n, 1),
      redisUs: round((procCpu(redisPid) - r0) / n, 1),
    });
  }
}
await svc.stop();
await redis.stop();
console.log(
  `| stage (${EVENTS} events, chunks of ${CHUNK}, ${CONC} at a time, median of ${REPS}) | events/s | service CPU µs/event | Redis CPU µs/event |`,
);
console.log("|---|---:|---:|---:|");
for (const [name, rs] of Object.entries(rows))
  console.log(
    `| ${name} | ${median(rs.map((x) => x.perSec)).toLocaleString("en-US")} | ${median(rs.map((x) => x.nodeUs))} | ${median(rs.map((x) => x.redisUs))} |`,
  );
process.exit(0);
