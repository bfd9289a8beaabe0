/**
 * sessionrank benchmark. Usage:
 *   npm run bench                 full run (writes docs/benchmarks.md)
 *   npm run bench -- --quick      < 2 min (writes bench/results/benchmarks-quick.md)
 *   npm run bench -- --json       also print the results as JSON on stdout
 *   npm run bench -- --profile    CPU-profile the service during the trackEvent runs
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
import { hammer, type LoadResult, latencies } from "./lib/load.ts";
import { machineInfo } from "./lib/machine.ts";
import { type Proc, startBare, startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventBody, trackEventsBody } from "./lib/sample.ts";
import { median, round } from "./lib/stats.ts";
import { summarize } from "./profile-summary.ts";
import { measurePush, type PushResult } from "./push.ts";
import { type Results, renderMarkdown } from "./report.ts";
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
    // ---- 1. framework ceiling vs trackEvent, and 1 vs 2 workers ----------------------
    const bodiesFor = (tag: string) => renamed(sample.events, tag).map(trackEventBody);
    const oneBodies = bodiesFor("c");
    const [yoga, http, svc1, svcYoga] = await Promise.all([
      startBare("yoga"),
      startBare("http"),
      startService({ redisUrl: redis.url, workers: 1 }, PROFILE ? { cpuProfDir: PROFILE_DIR } : {}),
      // The same service with every request through yoga: what the direct path buys.
      startService({ redisUrl: redis.url, workers: 1, prefix: "sy", DIRECT_PATH: "false" }),
    ]);
    procs.push(yoga, http, svc1, svcYoga);
    log(`[${elapsed()}] servers up; warming`);
    const warm = QUICK ? 1 : 2;
    await hammer(yoga.url, oneBodies, { connections: 16, seconds: warm });
    await hammer(svc1.url, bodiesFor("w"), { connections: 16, seconds: warm });
    await hammer(svcYoga.url, bodiesFor("wy"), { connections: 16, seconds: warm });
    const yogaRuns: LoadResult[] = [];
    const trackRuns: LoadResult[] = [];
    const viaYogaRuns: LoadResult[] = [];
    const directRatios: number[] = [];
    const httpRuns: LoadResult[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const y = await hammer(yoga.url, oneBodies, { connections: 16, seconds: SECONDS });
      const t = await hammer(svc1.url, bodiesFor(`t${r}`), { connections: 16, seconds: SECONDS });
      const v = await hammer(svcYoga.url, bodiesFor(`y${r}`), {
        connections: 16,
        seconds: SECONDS,
      });
      yogaRuns.push(y);
      trackRuns.push(t);
      viaYogaRuns.push(v);
      ratios.push(round(t.reqPerSec / y.reqPerSec, 3));
      directRatios.push(round(t.reqPerSec / v.reqPerSec, 3));
      log(
        `[${elapsed()}] run ${r + 1}: bare yoga ${y.reqPerSec} req/s, trackEvent ${t.reqPerSec} req/s (x${ratios.at(-1)}), all through yoga ${v.reqPerSec} req/s`,
      );
    }
    await svcYoga.stop();
    for (let r = 0; r < (QUICK ? 1 : 2); r++)
      httpRuns.push(await hammer(http.url, oneBodies, { connections: 16, seconds: SECONDS }));
    await yoga.stop();
    await http.stop();
    results.ceiling = {
      bareYoga: medianOf(yogaRuns),
      bareHttp: medianOf(httpRuns),
      trackEvent: medianOf(trackRuns),
      ratio: median(ratios),
      ratios,
      trackEventViaYoga: medianOf(viaYogaRuns),
      directRatio: median(directRatios),
      directRatios,
    };

    // ---- 2a. trackEvents batches over HTTP, 1 worker ----------------------------------
    const BATCH = 100;
    // Also at MAX_BATCH_SIZE's default: an importer's batch, where a session's events
    // more often share one request (and so one rescore).
    const BIG_BATCH = 1000;
    const batchBodies = (tag: string, size = BATCH, rescore = true) => {
      const evs = renamed(sample.events, tag);
      const out: string[] = [];
      for (let i = 0; i + size <= evs.length; i += size)
        out.push(trackEventsBody(evs.slice(i, i + size), { rescore }));
      return out;
    };
    const batchRuns: LoadResult[] = [];
    const bigBatchRuns: LoadResult[] = [];
    const importRuns: LoadResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      batchRuns.push(
        await hammer(svc1.url, batchBodies(`b${r}`), { connections: 4, seconds: SECONDS }),
      );
      bigBatchRuns.push(
        await hammer(svc1.url, batchBodies(`bb${r}`, BIG_BATCH), {
          connections: 2,
          seconds: SECONDS,
        }),
      );
      // An import: the same batches with rescore: false (recorded, not rescored or pushed).
      importRuns.push(
        await hammer(svc1.url, batchBodies(`bi${r}`, BATCH, false), {
          connections: 4,
          seconds: SECONDS,
        }),
      );
      log(
        `[${elapsed()}] trackEvents x${BATCH}: ${batchRuns.at(-1)!.reqPerSec * BATCH} events/s; x${BIG_BATCH}: ${bigBatchRuns.at(-1)!.reqPerSec * BIG_BATCH} events/s; x${BATCH} rescore: false: ${importRuns.at(-1)!.reqPerSec * BATCH} events/s`,
      );
    }

    // ---- 4. push: SSE and WebSocket, 1,000 sessions, 1,000 events/s -----------------
    const items = [...new Set(sample.events.flatMap((e) => e.impressions ?? []))].slice(0, 5000);
    const push: PushResult[] = [];
    // The same scenario over SSE and WebSocket against a service of `workers` processes.
    const measurePushBoth = async (url: string, workers: number, run: string) => {
      for (const mode of ["sse", "ws"] as const) {
        const p = await measurePush(url, {
          mode,
          sessions: 1000,
          rate: 1000,
          seconds: QUICK ? 2 : 20,
          items,
          run,
          workers,
        });
        push.push(p);
        log(
          `[${elapsed()}] push ${mode}, ${workers} worker(s): p50 ${p.p50} ms p99 ${p.p99} ms (${p.received}/${p.published} received, ${p.subscribed} subscribed)`,
        );
      }
    };
    await measurePushBoth(svc1.url, 1, "p");
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
      const bodies = warmSessions.map((sessionId, i) => {
        const rot = [...popular.slice(i % 7), ...popular.slice(0, i % 7)].slice(0, n);
        return JSON.stringify({ query: Q, variables: { sessionId, candidates: rot } });
      });
      const l = await latencies(svc.url, bodies, {
        requests: QUICK ? 150 : 3000,
        warmup: QUICK ? 30 : 200,
      });
      rescoring.push({ candidates: n, ...l });
      log(`[${elapsed()}] recommendations ${n} candidates: p50 ${l.p50} ms p99 ${l.p99} ms`);
    }
    results.rescoring = rescoring;
    await svc1.stop();

    // ---- scaling: 2 workers ------------------------------------------------------------
    const svc2 = await startService({ redisUrl: redis.url, workers: 2 });
    procs.push(svc2);
    await hammer(svc2.url, bodiesFor("w2"), { connections: 16, seconds: warm });
    const track2: LoadResult[] = [];
    const batch2: LoadResult[] = [];
    for (let r = 0; r < (QUICK ? 2 : RUNS); r++) {
      track2.push(
        await hammer(svc2.url, bodiesFor(`t2.${r}`), { connections: 16, seconds: SECONDS }),
      );
      batch2.push(
        await hammer(svc2.url, batchBodies(`b2.${r}`), { connections: 4, seconds: SECONDS }),
      );
      log(
        `[${elapsed()}] 2 workers: trackEvent ${track2.at(-1)!.reqPerSec} req/s, trackEvents ${batch2.at(-1)!.reqPerSec * BATCH} events/s`,
      );
    }
    // Push again with the default deployment's workers (WORKERS = cores when Redis is
    // configured): the same scenario, the events and subscribers spread over 2 processes.
    await measurePushBoth(svc2.url, 2, "p2");
    await svc2.stop();
    const b1 = medianOf(batchRuns);
    const b2 = medianOf(batch2);
    results.scaling = {
      trackEvent: {
        workers1: results.ceiling.trackEvent.reqPerSec,
        workers2: medianOf(track2).reqPerSec,
      },
      trackEventsEventsPerSec: { workers1: b1.reqPerSec * BATCH, workers2: b2.reqPerSec * BATCH },
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
      trackEvents: {
        batch: BATCH,
        eventsPerSec: b1.reqPerSec * BATCH,
        runs: b1.runs.map((x) => x * BATCH),
        p99: b1.p99,
      },
      ratioReplay: round(median(replayRuns.map((x, i) => x / boundRuns[i]!)), 3),
      ratioTrackEvents: round((b1.reqPerSec * BATCH) / bound, 3),
      trackEventsImport: {
        batch: BATCH,
        eventsPerSec: round(medianOf(importRuns).reqPerSec * BATCH, 0),
        runs: importRuns.map((x) => round(x.reqPerSec * BATCH, 0)),
        p99: medianOf(importRuns).p99,
      },
      trackEventsBig: {
        batch: BIG_BATCH,
        eventsPerSec: round(medianOf(bigBatchRuns).reqPerSec * BIG_BATCH, 0),
        runs: bigBatchRuns.map((x) => round(x.reqPerSec * BIG_BATCH, 0)),
        p99: medianOf(bigBatchRuns).p99,
      },
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
