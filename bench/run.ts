/**
 * sessionrank benchmark. Usage:
 *   npm run bench                 full run (writes docs/benchmarks.md)
 *   npm run bench -- --quick      about 5 min (writes bench/results/benchmarks-quick.md)
 *   npm run bench -- --json       also print the results as JSON on stdout
 *   npm run bench -- --profile    CPU-profile the service (written when it stops)
 *   npm run bench -- --soak [S]   soak: steady mixed load for S seconds (default 600),
 *                                 memory over time (writes the Soak section of docs/reliability.md)
 *   options: --runs N  --seconds S  --out PATH
 * Everything runs against a private redis-server started here; the service and the bare
 * framework servers run as child processes; the load generator (autocannon) runs here.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { SessionEvent } from "../src/domain/event-type.ts";
import { makeEngine, measureMemory, redisBound, replay } from "./ingest.ts";
import { createListedSessions } from "./lib/listed.ts";
import { hammer, type LoadResult, latencies } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { type Proc, startBare, startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed } from "./lib/sample.ts";
import { median, round } from "./lib/stats.ts";
import { openSubscribers } from "./lib/subscribers.ts";
import { summarize } from "./profile-summary.ts";
import { measurePush, type PushResult } from "./push.ts";
import { luaReference, type ReferenceResult } from "./reference.ts";
import { type Results, renderMarkdown, type ShapeSummary } from "./report.ts";
import {
  BATCH,
  batchBodies,
  collectBodies,
  frontendBodies,
  measureShape,
  type ShapeRun,
} from "./shapes.ts";
import { runSoak } from "./soak.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag("quick");
const JSON_OUT = flag("json");
const PROFILE = flag("profile");
const RUNS = Number(opt("runs") ?? (QUICK ? 3 : 5));
const SECONDS = Number(opt("seconds") ?? (QUICK ? 2 : 10));
const ROOT = new URL("../", import.meta.url).pathname;
const RESULTS_DIR = join(ROOT, "bench/results");
const OUT =
  opt("out") ??
  (QUICK ? join(RESULTS_DIR, "benchmarks-quick.md") : join(ROOT, "docs/benchmarks.md"));
const PROFILE_DIR = join(RESULTS_DIR, "profiles");
/** Sessions with a 25-item list for shapes (1) and (2) each, and for shape (3). */
const SESSIONS = 2000;
const BATCH_SESSIONS = QUICK ? 2000 : 5000;
/** Events per session in the bodies a load run cycles through. */
const ROUNDS = QUICK ? 10 : 20;
const BATCH_ROUNDS = QUICK ? 5 : 10;
/** The heading of the hand-written section a run keeps (see the end of docs/benchmarks.md). */
const FINDINGS = "\n## Findings";

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;

function medianOf(rs: LoadResult[]): LoadResult & { runs: number[] } {
  return {
    reqPerSec: median(rs.map((r) => r.reqPerSec)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    requests: rs.reduce((a, r) => a + r.requests, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    seconds: rs.reduce((a, r) => a + r.seconds, 0),
    runs: rs.map((r) => r.reqPerSec),
  };
}

/** Medians of a shape's runs (rate, latency, CPU per event). */
function summary(rs: ShapeRun[]): ShapeSummary {
  return {
    ...medianOf(rs),
    eventsPerSec: median(rs.map((r) => r.eventsPerSec)),
    eventRuns: rs.map((r) => r.eventsPerSec),
    serverUs: median(rs.map((r) => r.serverUs)),
    redisUs: median(rs.map((r) => r.redisUs)),
  };
}

/** Run-by-run ratios of two series measured side by side. */
const ratio = (xs: ShapeRun[], ys: ShapeRun[]) =>
  xs.map((x, i) => round(x.eventsPerSec / ys[i]!.eventsPerSec, 3));

async function main(): Promise<void> {
  if (flag("soak")) {
    const v = Number(opt("soak"));
    await runSoak(Number.isFinite(v) && v > 0 ? v : 600, argv);
    return;
  }
  const machine = machineInfo();
  const loadBefore = loadavg()[0] ?? 0;
  const command = `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  log(
    `sessionrank bench (${QUICK ? "quick" : "full"}): ${RUNS} runs x ${SECONDS}s; ${machine.nproc} cores, ${machine.cpuModel}`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, ".gitignore"), "*\n");

  const sample = await loadSample();
  log(
    `[${elapsed()}] sample: ${sample.events.length} events, ${sample.sessions} sessions from ${sample.path}`,
  );
  const redis = await startRedis();
  const procs: Proc[] = [];
  const results: Partial<Results> = {
    machine,
    command,
    quick: QUICK,
    runs: RUNS,
    seconds: SECONDS,
    sample: { path: sample.path, events: sample.events.length, sessions: sample.sessions },
  };
  try {
    const items = [...new Set(sample.events.flatMap((e) => e.impressions ?? []))].slice(0, 5000);
    const [yoga, http, svc1] = await Promise.all([
      startBare("yoga"),
      startBare("http"),
      startService({ redisUrl: redis.url, workers: 1 }, PROFILE ? { cpuProfDir: PROFILE_DIR } : {}),
    ]);
    procs.push(yoga, http, svc1);
    // Sessions that were shown a 25-item list, one pool per shape; shape (3)'s pool is a
    // multiple of 100 so that a batch never holds two events of one session.
    const pools = async (svc: Proc, tag: string) => ({
      collect: await createListedSessions(svc.url, { count: SESSIONS, items, tag: `${tag}c` }),
      frontend: await createListedSessions(svc.url, { count: SESSIONS, items, tag: `${tag}f` }),
      batch: await createListedSessions(svc.url, { count: BATCH_SESSIONS, items, tag: `${tag}b` }),
    });
    const pool = await pools(svc1, "s");
    const bodies = {
      collect: collectBodies(pool.collect, ROUNDS),
      frontend: frontendBodies(pool.frontend, ROUNDS),
      batch: batchBodies(pool.batch, BATCH_ROUNDS),
      import: batchBodies(pool.batch, BATCH_ROUNDS, false),
    };
    log(
      `[${elapsed()}] servers up; ${SESSIONS} + ${SESSIONS} + ${BATCH_SESSIONS} sessions with 25-item lists; warming`,
    );
    const single = { connections: 16, seconds: SECONDS, eventsPerRequest: 1, redisPid: redis.pid };
    // A batch takes a good part of a second on a busy machine: at least 4 s per run.
    const batched = {
      connections: 4,
      seconds: Math.max(4, SECONDS),
      eventsPerRequest: BATCH,
      redisPid: redis.pid,
    };
    const warm = { seconds: QUICK ? 1 : 2 };
    await measureShape([yoga], bodies.collect, { ...single, ...warm });
    await measureShape([svc1], bodies.collect, { ...single, ...warm });
    await measureShape([svc1], bodies.frontend, { ...single, ...warm });

    // ---- shapes (1) and (2) beside the bare yoga no-op, run by run ----------------------
    const bare: ShapeRun[] = [];
    const collect: ShapeRun[] = [];
    const frontend: ShapeRun[] = [];
    for (let r = 0; r < RUNS; r++) {
      bare.push(await measureShape([yoga], bodies.collect, single));
      collect.push(await measureShape([svc1], bodies.collect, single));
      frontend.push(await measureShape([svc1], bodies.frontend, single));
      log(
        `[${elapsed()}] run ${r + 1}: bare yoga ${bare.at(-1)!.reqPerSec} req/s; (1) collector trackEvent ${collect.at(-1)!.reqPerSec} (x${ratio(collect, bare).at(-1)}); (2) with the list ${frontend.at(-1)!.reqPerSec} (x${ratio(frontend, bare).at(-1)})`,
      );
    }
    const bareHttp: LoadResult[] = [];
    for (let r = 0; r < (QUICK ? 1 : 2); r++)
      bareHttp.push(await hammer(http.url, bodies.collect, { connections: 16, seconds: SECONDS }));
    await yoga.stop();
    await http.stop();

    // ---- shape (3): collector batches, a tenth of the sessions subscribed ---------------
    // Beside the fixed reference (bench/lua/reference-4.lua with redis-benchmark), run by run.
    const watched = pool.batch.ids.filter((_, i) => i % 10 === 0);
    const subs = await openSubscribers("ws", svc1.url, watched);
    await measureShape([svc1], bodies.batch, { ...batched, ...warm });
    const batch: ShapeRun[] = [];
    const imports: ShapeRun[] = [];
    const reference: ReferenceResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      batch.push(await measureShape([svc1], bodies.batch, batched));
      imports.push(await measureShape([svc1], bodies.import, batched));
      reference.push(await luaReference(redis.port, { requests: QUICK ? 60_000 : 200_000 }));
      log(
        `[${elapsed()}] (3) trackEvents x${BATCH}, 100 sessions each: ${batch.at(-1)!.eventsPerSec} events/s (${batch.at(-1)!.serverUs} µs service, ${batch.at(-1)!.redisUs} µs Redis per event); rescore: false ${imports.at(-1)!.eventsPerSec}; 9-write Lua reference ${reference.at(-1)!.eventsPerSec} events/s`,
      );
    }
    const pushed = await subs.collect();
    results.shapes = {
      sessions: SESSIONS,
      batchSessions: BATCH_SESSIONS,
      bareYoga: summary(bare),
      bareHttp: medianOf(bareHttp),
      collect: summary(collect),
      frontend: summary(frontend),
      collectRatios: ratio(collect, bare),
      frontendRatios: ratio(frontend, bare),
      batch: summary(batch),
      import: summary(imports),
      batchSubscribed: subs.opened,
      batchPublished: batch.reduce((a, x) => a + x.published, 0),
      batchPushesReceived: pushed.length,
      reference: {
        eventsPerSec: median(reference.map((x) => x.eventsPerSec)),
        runs: reference.map((x) => x.eventsPerSec),
        p99Ms: median(reference.map((x) => x.p99Ms)),
        command: reference[0]!.command,
      },
      batchRatios: batch.map((x, i) => round(x.eventsPerSec / reference[i]!.eventsPerSec, 3)),
    };

    // ---- shape (4): push, the service beside the bare yoga pub/sub, same client --------
    const push: PushResult[] = [];
    const pubsub = await startBare("pubsub");
    procs.push(pubsub);
    for (const rate of [500, 1000])
      for (const mode of ["sse", "ws"] as const)
        for (const [server, p] of [
          ["bare yoga pub/sub", pubsub],
          ["service", svc1],
        ] as const) {
          const res = await measurePush(p.url, {
            mode,
            sessions: 1000,
            rate,
            seconds: QUICK ? 4 : 20,
            warmupSeconds: QUICK ? 1 : 2,
            items,
            run: `p${rate}${server === "service" ? "s" : "b"}`,
            workers: 1,
            server,
          });
          push.push(res);
          log(
            `[${elapsed()}] push ${mode} ${rate} ev/s, ${server}: sent->received p50 ${res.e2eP50} ms p99 ${res.e2eP99} ms (${res.received}/${res.published} received, ${res.subscribed} subscribed)`,
          );
        }
    await pubsub.stop();
    results.push = push;

    // ---- 5. memory, then 3. rescoring on the warm store -------------------------------
    const prefix = "sr";
    const { engine, store, keys } = await makeEngine(redis.url, prefix);
    const memEvents = QUICK ? sample.events.slice(0, 10_000) : sample.events;
    const memory = await measureMemory(engine, store, memEvents, prefix);
    log(
      `[${elapsed()}] memory: ${memory.bytesPerSessionKeys} B/session (keys), ${memory.bytesPerSessionTotal} B/session (first replay, with items), ${memory.bytesPerSessionAdded} B/session added, ${memory.bytesPerItem} B/item`,
    );
    results.memory = memory;

    const svc = svc1;
    const [top] = await store.read([{ op: "ztop", key: keys.globalPopularity(), n: 300 }]);
    const popular = (top as [string, number][]).map(([id]) => id);
    const counts = new Map<string, number>();
    for (const e of memEvents) counts.set(e.sessionId, (counts.get(e.sessionId) ?? 0) + 1);
    const warmSessions = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 50)
      .map(([s]) => s);
    const rescoring: Results["rescoring"] = [];
    const Q =
      "query Recs($sessionId: ID!, $candidates: [ID!]) { recommendations(sessionId: $sessionId, candidates: $candidates) { version items { itemId score } } }";
    for (const n of [25, 100, 300]) {
      if (popular.length < n) log(`  ! only ${popular.length} popular items for ${n} candidates`);
      const reads = warmSessions.map((sessionId, i) => {
        const rot = [...popular.slice(i % 7), ...popular.slice(0, i % 7)].slice(0, n);
        return JSON.stringify({ query: Q, variables: { sessionId, candidates: rot } });
      });
      const l = await latencies(svc.url, reads, {
        requests: QUICK ? 150 : 3000,
        warmup: QUICK ? 30 : 200,
      });
      rescoring.push({ candidates: n, ...l });
      log(`[${elapsed()}] recommendations ${n} candidates: p50 ${l.p50} ms p99 ${l.p99} ms`);
    }
    results.rescoring = rescoring;
    await svc1.stop();

    // ---- shape (5): 2 workers (node:cluster), and 2 instances on the one Redis ---------
    // The store was flushed by the memory replay: each deployment gets its own new pools.
    const scaleRuns = QUICK ? 1 : Math.min(RUNS, 3);
    const scaleOf = async (servers: Proc[], tag: string, label: string) => {
      const p = await pools(servers[0]!, tag);
      const c = collectBodies(p.collect, ROUNDS);
      const b = batchBodies(p.batch, BATCH_ROUNDS);
      await measureShape(servers, c, { ...single, ...warm });
      const out = { collect: [] as ShapeRun[], batch: [] as ShapeRun[] };
      for (let r = 0; r < scaleRuns; r++) {
        out.collect.push(await measureShape(servers, c, single));
        out.batch.push(await measureShape(servers, b, batched));
        log(
          `[${elapsed()}] ${label}: (1) ${out.collect.at(-1)!.eventsPerSec} events/s, (3) ${out.batch.at(-1)!.eventsPerSec} events/s`,
        );
      }
      return { collect: summary(out.collect), batch: summary(out.batch) };
    };
    const svc2 = await startService({ redisUrl: redis.url, workers: 2 });
    procs.push(svc2);
    const workers2 = await scaleOf([svc2], "w2", "2 workers");
    await svc2.stop();
    const twoInstances = await Promise.all([
      startService({ redisUrl: redis.url, workers: 1 }),
      startService({ redisUrl: redis.url, workers: 1 }),
    ]);
    procs.push(...twoInstances);
    const instances2 = await scaleOf(twoInstances, "i2", "2 instances");
    for (const p of twoInstances) await p.stop();
    results.scaling = {
      worker1: { collect: results.shapes.collect, batch: results.shapes.batch },
      workers2,
      instances2,
    };

    // ---- 2b. replay (in process) vs the Redis-only bound, side by side ---------------
    const replayRuns: number[] = [];
    const replayRescoreRuns: number[] = [];
    const boundRuns: number[] = [];
    const flatRuns: number[] = [];
    const packedRuns: number[] = [];
    const coalescedBoundRuns: number[] = [];
    let boundInfo: Awaited<ReturnType<typeof redisBound>> | undefined;
    let coalescedInfo: Awaited<ReturnType<typeof redisBound>> | undefined;
    const ingestEvents = QUICK ? sample.events.slice(0, 3_000) : sample.events;
    for (let r = 0; r < (QUICK ? 2 : RUNS); r++) {
      // The bound is the faster of the two encodings of the same writes, so making the
      // scripts cheaper for the service can never make the bound easier to reach.
      await store.client.flushall();
      boundInfo = await redisBound(store, ingestEvents, prefix, undefined, "packed");
      packedRuns.push(boundInfo.eventsPerSec);
      await store.client.flushall();
      flatRuns.push(
        (await redisBound(store, ingestEvents, prefix, undefined, "flat")).eventsPerSec,
      );
      boundRuns.push(Math.max(packedRuns.at(-1)!, flatRuns.at(-1)!));
      await store.client.flushall();
      // The writes trackEvents x100 sends: a session's events of a batch in one call,
      // coalesced. Not the target's bound (that is the accumulators' writes, event by
      // event), a stricter one: how near Redis' own limit the batch path runs.
      coalescedInfo = await redisBound(store, ingestEvents, prefix, BATCH);
      coalescedBoundRuns.push(coalescedInfo.eventsPerSec);
      await store.client.flushall();
      replayRuns.push(
        (await replay(engine, ingestEvents, { chunk: 1000, rescore: false })).eventsPerSec,
      );
      await store.client.flushall();
      replayRescoreRuns.push(
        (await replay(engine, ingestEvents, { chunk: 1000, rescore: true })).eventsPerSec,
      );
      log(
        `[${elapsed()}] bound ${boundRuns.at(-1)} ev/s (coalesced per ${BATCH}: ${coalescedBoundRuns.at(-1)}); replay ${replayRuns.at(-1)} ev/s; replay+rescore ${replayRescoreRuns.at(-1)} ev/s`,
      );
    }
    const bound = median(boundRuns);
    results.ingest = {
      events: ingestEvents.length,
      redisBound: {
        eventsPerSec: bound,
        runs: boundRuns,
        opsPerCall: boundInfo?.opsPerCall ?? 0,
        packed: median(packedRuns),
        flat: median(flatRuns),
      },
      redisBoundCoalesced: {
        eventsPerSec: median(coalescedBoundRuns),
        runs: coalescedBoundRuns,
        opsPerEvent: coalescedInfo
          ? round((coalescedInfo.opsPerCall * coalescedInfo.calls) / coalescedInfo.events, 1)
          : 0,
        batch: BATCH,
      },
      replay: { eventsPerSec: median(replayRuns), runs: replayRuns },
      replayRescore: { eventsPerSec: median(replayRescoreRuns), runs: replayRescoreRuns },
      ratioReplay: round(median(replayRuns.map((x, i) => x / boundRuns[i]!)), 3),
    };

    // ---- 5b. history growth: the sample replayed 1, 4 and 16 times over ---------------
    await store.client.flushall();
    const growthEvents = QUICK ? sample.events.slice(0, 1_000) : sample.events;
    const span = (growthEvents.at(-1)?.timestamp ?? 0) - (growthEvents[0]?.timestamp ?? 0) + 1000;
    const growth: Results["growth"] = [];
    for (let pass = 1; pass <= 16; pass++) {
      const evs: SessionEvent[] = renamed(growthEvents, `g${pass}`, pass * span);
      const r = await replay(engine, evs, { chunk: 1000, rescore: false });
      // Every pass is kept: the target compares the median of the last three with the
      // median of the first three, as one pass alone moves with the machine's load.
      growth.push({ pass, eventsPerSec: r.eventsPerSec, totalEvents: pass * evs.length });
      if (pass === 1 || pass === 4 || pass === 16)
        log(`[${elapsed()}] pass ${pass}: ${r.eventsPerSec} events/s`);
    }
    results.growth = growth;
    await store.close();
  } finally {
    for (const p of procs) await p.stop().catch(() => {});
    await redis.stop();
  }

  if (PROFILE) {
    const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith(".cpuprofile"));
    results.profile = files.map((f) => summarize(join(PROFILE_DIR, f)));
    for (const s of results.profile) log(s);
  }
  results.loadAverage = { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) };
  results.durationSeconds = round((performance.now() - started) / 1000, 1);
  const full = results as Results;
  mkdirSync(join(OUT, ".."), { recursive: true });
  // The hand-written findings at the end of the file survive a new run.
  const previous = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
  const at = previous.indexOf(FINDINGS);
  const findings = at >= 0 ? `\n${previous.slice(at + 1).trimEnd()}\n` : "";
  writeFileSync(OUT, `${renderMarkdown(full).trimEnd()}\n${findings}`);
  writeFileSync(
    join(RESULTS_DIR, QUICK ? "quick.json" : "full.json"),
    `${JSON.stringify(full, null, 2)}\n`,
  );
  log(`[${elapsed()}] wrote ${OUT}`);
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
  else process.stdout.write(renderMarkdown(full).split("## Results")[1] ?? "");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
