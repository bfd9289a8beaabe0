import { CORE_BUSY, capacityRow, memoryPlan, REDIS_BUSY, SHARD_GB, SITE } from "./estimate.ts";
import type { MemoryResult } from "./ingest.ts";
import type { LoadResult } from "./lib/load.ts";
import type { MachineInfo } from "./lib/machine.ts";
import { median } from "./lib/stats.ts";
import type { PushResult } from "./push.ts";

type Med = LoadResult & { runs: number[] };

/** A shape's runs: medians of rate, latency and CPU per event. */
export type ShapeSummary = Med & {
  eventsPerSec: number;
  eventRuns: number[];
  /** CPU per event of the server's processes and of redis-server, µs. */
  serverUs: number;
  redisUs: number;
};

export interface Results {
  machine: MachineInfo;
  command: string;
  quick: boolean;
  runs: number;
  seconds: number;
  durationSeconds: number;
  /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
  loadAverage: { before: number; after: number };
  sample: { path: string; events: number; sessions: number };
  /** The traffic shapes of issue 18, measured side by side run by run. */
  shapes: {
    /** Sessions with a 25-item list in the pools of shapes (1) and (2) each, and of (3). */
    sessions: number;
    batchSessions: number;
    bareYoga: ShapeSummary;
    bareHttp: Med;
    collect: ShapeSummary;
    frontend: ShapeSummary;
    collectRatios: number[];
    frontendRatios: number[];
    batch: ShapeSummary;
    /** The same batches with `rescore: false`: recorded only. */
    import: ShapeSummary;
    batchSubscribed: number;
    /** Sessions whose order changed, summed over the batch answers, and lists the subscribers got. */
    batchPublished: number;
    batchPushesReceived: number;
    reference: { eventsPerSec: number; runs: number[]; p99Ms: number; command: string };
    batchRatios: number[];
  };
  scaling: {
    worker1: { collect: ShapeSummary; batch: ShapeSummary };
    workers2: { collect: ShapeSummary; batch: ShapeSummary };
    instances2: { collect: ShapeSummary; batch: ShapeSummary };
  };
  ingest: {
    events: number;
    redisBound: {
      eventsPerSec: number;
      runs: number[];
      opsPerCall: number;
      /** Medians of each encoding of the ARGV; the bound is the faster. */
      packed?: number;
      flat?: number;
    };
    /** The writes the batch paths send (coalesced per session per batch). */
    redisBoundCoalesced?: {
      eventsPerSec: number;
      runs: number[];
      opsPerEvent: number;
      batch: number;
    };
    replay: { eventsPerSec: number; runs: number[] };
    replayRescore: { eventsPerSec: number; runs: number[] };
    ratioReplay: number;
  };
  rescoring: { candidates: number; p50: number; p99: number; mean: number; n: number }[];
  push: PushResult[];
  memory: MemoryResult;
  growth: { pass: number; eventsPerSec: number; totalEvents: number }[];
  profile?: string[];
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
  /** Shown for context, not a target of its own (rendered "info", never counted as a fail). */
  info?: boolean;
}

/** The push run of that server, transport and planned rate (older results: the nearest achieved rate). */
const pushOf = (r: Results, server: PushResult["server"], mode: string, rate: number) =>
  r.push.find(
    (p) =>
      (p.server ?? "service") === server &&
      p.mode === mode &&
      (p.rate ?? (p.ratePerSec < 750 ? 500 : 1000)) === rate,
  );

export function targets(r: Results): Target[] {
  const sh = r.shapes;
  const med = (xs: number[]) => median(xs);
  const out: Target[] = [
    {
      name: "(1) collector `trackEvent { accepted }` vs bare yoga no-op, same input (median of per-run ratios)",
      target: "≥ 1.0×",
      measured: `${med(sh.collectRatios)}× (${n(sh.collect.eventsPerSec)} vs ${n(sh.bareYoga.eventsPerSec)} req/s)`,
      pass: med(sh.collectRatios) >= 1,
    },
    {
      name: "(2) `trackEvent { recommendations { version items { itemId } } }` vs the same bare yoga",
      target: "≥ 0.6×",
      measured: `${med(sh.frontendRatios)}× (${n(sh.frontend.eventsPerSec)} req/s)`,
      pass: med(sh.frontendRatios) >= 0.6,
    },
    {
      name: `(3) \`trackEvents\` ×${100}, every event of another session, a tenth subscribed, vs the 9-write Lua reference`,
      target: "≥ 50%",
      measured: `${Math.round(med(sh.batchRatios) * 100)}% (${n(sh.batch.eventsPerSec)} vs ${n(sh.reference.eventsPerSec)} events/s)`,
      pass: med(sh.batchRatios) >= 0.5,
    },
  ];
  for (const mode of ["sse", "ws"]) {
    const s500 = pushOf(r, "service", mode, 500);
    if (s500)
      out.push({
        name: `(4) push at 500 events/s, ${mode.toUpperCase()}, ${s500.subscribed} subscribed: event sent → list received, p99`,
        target: "≤ 20 ms, none lost",
        measured: `${s500.e2eP99} ms, ${s500.lost} lost${s500.failed ? `, ${s500.failed} requests failed` : ""}`,
        pass: s500.e2eP99 <= 20 && s500.lost === 0 && !s500.failed && s500.subscribed >= 1000,
      });
    const s1k = pushOf(r, "service", mode, 1000);
    const b1k = pushOf(r, "bare yoga pub/sub", mode, 1000);
    if (s1k && b1k)
      out.push({
        name: `(4) push at 1,000 events/s, ${mode.toUpperCase()}: p99 vs the bare yoga pub/sub's p99, same run, same client`,
        target: "≤ 2×, none lost",
        measured: `${s1k.e2eP99} vs ${b1k.e2eP99} ms (${(s1k.e2eP99 / b1k.e2eP99).toFixed(2)}×), ${s1k.lost} lost`,
        pass:
          s1k.e2eP99 <= 2 * b1k.e2eP99 && s1k.lost === 0 && !s1k.failed && s1k.subscribed >= 1000,
      });
  }
  const added = r.memory.bytesPerSessionAdded;
  out.push({
    name: "Memory per active session (used_memory growth per session added, items known)",
    target: "≤ 2 KB",
    measured: `${added} B (session keys alone: ${r.memory.bytesPerSessionKeys} B)`,
    pass: (added ?? Number.POSITIVE_INFINITY) <= 2048,
  });
  const g = growthRatio(r.growth);
  if (g)
    out.push({
      name: `Per-event cost flat as history grows (replay ev/s, passes ${g.last} vs passes ${g.first}, medians)`,
      target: "≥ 0.8×",
      measured: `${g.ratio.toFixed(2)}×`,
      pass: g.ratio >= 0.8,
    });
  const resc = (k: number) => r.rescoring.find((x) => x.candidates === k);
  for (const [k, ms] of [
    [25, 5],
    [300, 20],
  ] as const) {
    const x = resc(k);
    if (x)
      out.push({
        name: `\`recommendations\`, ${k} candidates, p99 (an earlier round's target)`,
        target: `≤ ${ms} ms`,
        measured: `${x.p99} ms`,
        pass: x.p99 <= ms,
      });
  }
  return out;
}

/**
 * The median events/s of the last three passes over that of the first three (one pass alone
 * moves with the machine's load). Older results kept only passes 1, 4 and 16: then 16 vs 1.
 */
export function growthRatio(
  growth: Results["growth"],
): { ratio: number; first: string; last: string } | undefined {
  if (growth.length >= 6) {
    const head = growth.slice(0, 3);
    const tail = growth.slice(-3);
    return {
      ratio: median(tail.map((g) => g.eventsPerSec)) / median(head.map((g) => g.eventsPerSec)),
      first: `${head[0]!.pass}–${head[2]!.pass}`,
      last: `${tail[0]!.pass}–${tail[2]!.pass}`,
    };
  }
  const g1 = growth.find((g) => g.pass === 1);
  const g16 = growth.find((g) => g.pass === 16);
  if (!g1 || !g16) return undefined;
  return { ratio: g16.eventsPerSec / g1.eventsPerSec, first: "1", last: "16" };
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const L: string[] = [];
  L.push("# Benchmarks", "");
  L.push(
    "Produced by `bench/run.ts`; every figure below comes from one run of the command shown, against a private",
    '`redis-server --save "" --appendonly no` started by the benchmark. The service and the bare framework',
    "servers run as separate processes; the load generator (autocannon, or a hrtime-timed keep-alive client for",
    "latencies) runs in the benchmark process **on the same machine**, so it competes with the server for the",
    "same cores. Throughputs are medians of the runs; ratios are taken run by run, side by side, and their",
    "median reported.",
    "",
  );
  L.push("## Machine", "");
  L.push(`- cores (nproc): ${m.nproc}; CPU: ${m.cpuModel}; RAM: ${m.memoryGb} GB; ${m.os}`);
  L.push(`- Node ${m.node}; Redis ${m.redis}`);
  L.push(
    `- command: \`${r.command}\` (${r.quick ? "quick" : "full"} mode: ${r.runs} runs × ${r.seconds} s per load run; took ${r.durationSeconds} s)`,
  );
  L.push(
    `- 1-minute load average: ${r.loadAverage.before} at start, ${r.loadAverage.after} at end (above ${m.nproc} means other processes competed for the CPUs during the run)`,
  );
  L.push(
    `- data: ${r.sample.path} (${n(r.sample.events)} events, ${n(r.sample.sessions)} sessions)`,
  );
  L.push("", "## Results", "");
  L.push("### Targets", "", "| Target | Goal | Measured | |", "|---|---|---|---|");
  for (const t of targets(r))
    L.push(
      `| ${t.name} | ${t.target} | ${t.measured} | ${t.info ? "info" : t.pass ? "PASS" : "FAIL"} |`,
    );
  const sh = r.shapes;
  L.push(
    "",
    `### Traffic shapes (1)–(3), side by side (${n(sh.sessions)} sessions with a 25-item list per single-event shape, ${n(sh.batchSessions)} for the batches; events on items of those lists)`,
    "",
  );
  L.push(
    "| Shape | events/s (median) | runs events/s | p50 ms | p99 ms | service µs/event | Redis µs/event | errors |",
    "|---|---|---|---|---|---|---|---|",
  );
  const srow = (name: string, x: ShapeSummary) =>
    `| ${name} | ${n(x.eventsPerSec)} | ${x.eventRuns.map(n).join(", ")} | ${x.p50} | ${x.p99} | ${x.serverUs} | ${x.redisUs} | ${x.errors} |`;
  L.push(
    `| bare node:http, fixed JSON (machine check) | ${n(sh.bareHttp.reqPerSec)} | ${sh.bareHttp.runs.map(n).join(", ")} | ${sh.bareHttp.p50} | ${sh.bareHttp.p99} | — | — | ${sh.bareHttp.errors} |`,
  );
  L.push(
    srow(
      "bare graphql-yoga no-op `trackEvent { accepted }` (same schema, same bodies)",
      sh.bareYoga,
    ),
  );
  L.push(srow("(1) `trackEvent { accepted }`, 16 connections, 1 worker", sh.collect));
  L.push(
    srow(
      "(2) `trackEvent { recommendations { version items { itemId } } }`, 16 connections",
      sh.frontend,
    ),
  );
  L.push(
    srow(
      `(3) \`trackEvents\` ×100, 100 sessions per batch, ${sh.batchSubscribed} sessions subscribed (WebSocket), 4 connections`,
      sh.batch,
    ),
  );
  L.push(srow("(3) the same batches with `rescore: false` (an import)", sh.import));
  L.push(
    `| fixed reference: bench/lua/reference-4.lua (9 writes, 4 keys, one tag), \`redis-benchmark -c 50\` EVALSHA | ${n(sh.reference.eventsPerSec)} | ${sh.reference.runs.map(n).join(", ")} | — | ${sh.reference.p99Ms} | — | — | 0 |`,
  );
  const i = r.ingest;
  L.push(
    `| bound (a): the accumulators' writes of ${n(i.events)} trivago events (${i.redisBound.opsPerCall} ops/event), srApplyOps pipelined | ${n(i.redisBound.eventsPerSec)} | ${i.redisBound.runs.map(n).join(", ")} | — | — | — | — | 0 |`,
  );
  L.push(
    "",
    `Per run, (1) / bare yoga: ${sh.collectRatios.join(", ")}; (2) / bare yoga: ${sh.frontendRatios.join(", ")}; (3) / the Lua reference: ${sh.batchRatios.join(", ")}. (3) against bound (a): ${Math.round((sh.batch.eventsPerSec / i.redisBound.eventsPerSec) * 100)}%; the import against it: ${Math.round((sh.import.eventsPerSec / i.redisBound.eventsPerSec) * 100)}%.`,
  );
  const cpuRatio = (x: ShapeSummary) => (sh.bareYoga.serverUs / x.serverUs).toFixed(2);
  L.push(
    "",
    `By CPU per event, steadier than throughput on a shared machine (the bare yoga's µs per request over the shape's µs per event: the ratio each would have on a core of its own): (1) ${cpuRatio(sh.collect)}×, (2) ${cpuRatio(sh.frontend)}×.`,
  );
  L.push(
    "",
    `During (3) the batch answers reported ${n(sh.batchPublished)} sessions whose order changed; the ${sh.batchSubscribed} subscribers received ${n(sh.batchPushesReceived)} lists (a session not watched is published to nobody). CPU per event is user + system time from /proc of every server process (and of redis-server) over the load run, divided by the events answered. The reference's command: \`${sh.reference.command}\`.`,
  );
  L.push(
    "",
    "### (4) Push: event sent → reordered list received (1,000 subscribed sessions, one subscription each)",
    "",
  );
  L.push(
    "| server | transport | events/s | subscribed | published | received | lost | sent→received p50 / p99 ms | response→received p99 ms | trackEvent p99 ms |",
    "|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const p of r.push)
    L.push(
      `| ${p.server ?? "service"} | ${p.mode.toUpperCase()} | ${p.rate ? `${p.rate} (sent at ${p.ratePerSec})` : p.ratePerSec} | ${p.subscribed} | ${p.published} | ${p.received} | ${p.lost} | ${p.e2eP50} / ${p.e2eP99} | ${p.p99} | ${p.trackP99} |`,
    );
  L.push(
    "",
    "One driver and one subscriber process for both servers: the driver sends `trackEvent` (open loop, round-robin over the sessions, an interaction on an item of the session's list), the subscriber (a child process) holds one SSE stream or graphql-ws connection per session. The bare server (bench/servers/bare.ts `pubsub`) is graphql-yoga with its in-memory `createPubSub`, publishing a 10-item list on every event; the service publishes only when the order changed. The first seconds are a warm-up, checked for loss but left out of the latencies.",
  );
  L.push(
    "",
    "### (5) Scale on one machine: 1 worker, 2 workers (node:cluster), 2 instances on one Redis",
    "",
  );
  L.push(
    "| deployment | (1) events/s | service / Redis µs per event | (3) events/s | service / Redis µs per event |",
    "|---|---|---|---|---|",
  );
  const sc = r.scaling;
  for (const [name, x] of [
    ["1 worker", sc.worker1],
    ["2 workers", sc.workers2],
    ["2 instances (WORKERS=1 each)", sc.instances2],
  ] as const)
    L.push(
      `| ${name} | ${n(x.collect.eventsPerSec)} (${(x.collect.eventsPerSec / sc.worker1.collect.eventsPerSec).toFixed(2)}×) | ${x.collect.serverUs} / ${x.collect.redisUs} | ${n(x.batch.eventsPerSec)} (${(x.batch.eventsPerSec / sc.worker1.batch.eventsPerSec).toFixed(2)}×) | ${x.batch.serverUs} / ${x.batch.redisUs} |`,
    );
  L.push(
    "",
    `On ${m.nproc} cores the load generator and Redis share the CPUs with the servers, so the rates are a lower bound on scaling; the CPU per event is what a deployment pays whatever the machine.`,
  );
  L.push(
    "",
    `### (5) What a site of ${n(SITE.sessionsPerDay)} sessions a day needs (${n(SITE.averageEventsPerSec)} events/s on average, ${n(SITE.peakEventsPerSec)} at peak)`,
    "",
  );
  L.push(
    `From the CPU per event measured above with 1 worker: service cores at ${CORE_BUSY * 100}% busy, Redis shards (one command thread each) at ${REDIS_BUSY * 100}% busy.`,
    "",
    "| if all traffic were | service µs/event | Redis µs/event | cores, average | cores, peak | Redis shards by CPU, peak |",
    "|---|---|---|---|---|---|",
  );
  for (const c of [
    capacityRow("(1) collector events", sh.collect.serverUs, sh.collect.redisUs),
    capacityRow("(2) frontend events with the list", sh.frontend.serverUs, sh.frontend.redisUs),
    capacityRow("(3) collector batches of 100", sh.batch.serverUs, sh.batch.redisUs),
    capacityRow("(3) as an import (`rescore: false`)", sh.import.serverUs, sh.import.redisUs),
  ])
    L.push(
      `| ${c.shape} | ${c.serverUs} | ${c.redisUs} | ${c.coresAverage} | ${c.coresPeak} | ${c.shardsPeak} |`,
    );
  const perSession = r.memory.bytesPerSessionAdded ?? r.memory.bytesPerSessionKeys;
  L.push(
    "",
    `Memory: every session is kept for its TTL, at the ${n(perSession)} B per added session measured below (${SHARD_GB} GB of data per shard):`,
    "",
    "| SESSION_TTL_SECONDS | sessions alive | GB | shards by memory |",
    "|---|---|---|---|",
  );
  for (const days of [1, 7]) {
    const mp = memoryPlan(perSession, days);
    L.push(
      `| ${days * 86400}${days === 7 ? " (the default)" : ""} | ${n(mp.sessionsLive)} | ${n(mp.gb)} | ${mp.shards} |`,
    );
  }
  L.push("", "### Batch ingest in process: bound (a) and replay", "");
  L.push("| Path | events/s (median) | runs | vs bound (a) |", "|---|---|---|---|");
  L.push(
    `| bound (a): srApplyOps pipelined (${i.redisBound.opsPerCall} ops/event, ${n(i.events)} events${i.redisBound.packed !== undefined && i.redisBound.flat !== undefined ? `; per run the faster of fields packed in one string, median ${n(i.redisBound.packed)}, and one argument per field, median ${n(i.redisBound.flat)}` : ""}) | ${n(i.redisBound.eventsPerSec)} | ${i.redisBound.runs.map(n).join(", ")} | 100% |`,
  );
  L.push(
    `| Replay: Engine.trackBatch, chunks of 1000, rescore off | ${n(i.replay.eventsPerSec)} | ${i.replay.runs.map(n).join(", ")} | ${Math.round(i.ratioReplay * 100)}% |`,
  );
  L.push(
    `| Replay: Engine.trackBatch, chunks of 1000, rescore + publish per session | ${n(i.replayRescore.eventsPerSec)} | ${i.replayRescore.runs.map(n).join(", ")} | ${Math.round((i.replayRescore.eventsPerSec / i.redisBound.eventsPerSec) * 100)}% |`,
  );
  const cb = i.redisBoundCoalesced;
  if (cb)
    L.push(
      "",
      `The batch paths send a session's events of one call coalesced (src/state/coalesce-ops.ts): ${cb.opsPerEvent} ops/event for the trivago log in chunks of ${cb.batch} instead of ${i.redisBound.opsPerCall}; the same writes driven straight at Redis, one call per session per chunk: ${n(cb.eventsPerSec)} events/s (runs ${cb.runs.map(n).join(", ")}). A batch of shape (3) has one event per session, so it coalesces nothing.`,
    );
  L.push("", "### Rescoring: `recommendations` on a warm store (HTTP, one request at a time)", "");
  L.push("| candidates | p50 ms | p99 ms | mean ms | requests |", "|---|---|---|---|---|");
  for (const x of r.rescoring)
    L.push(`| ${x.candidates} | ${x.p50} | ${x.p99} | ${x.mean} | ${x.n} |`);
  L.push("", "### 5. Memory after replaying the sample", "");
  const mm = r.memory;
  L.push(
    `${n(mm.events)} events, ${n(mm.sessions)} sessions, ${n(mm.items)} items. First replay: used_memory delta ${n(mm.usedMemoryDelta)} B → ${n(mm.bytesPerSessionTotal)} B per session, item data included; session keys alone **${n(mm.bytesPerSessionKeys)} B per session**; item keys ${n(mm.bytesPerItem)} B per item (MEMORY USAGE).`,
  );
  if (mm.bytesPerSessionAdded !== undefined)
    L.push(
      "",
      `The same events replayed again as new sessions (same users, same items): used_memory grows by **${n(mm.bytesPerSessionAdded)} B per session added**, all-in (keys, TTL entries, the growth of shared aggregates). The first replay less that, per item: **${n(mm.bytesPerItemTotal ?? 0)} B per item** all-in. A session's cost is the first figure; the sample's items (17 new ones per session) are a catalogue's cost, paid once per item.`,
    );
  L.push("", "| key pattern | keys | bytes (MEMORY USAGE) | bytes/key |", "|---|---|---|---|");
  for (const [k, v] of Object.entries(mm.byPattern).sort((a, b) => b[1].bytes - a[1].bytes))
    L.push(`| ${k} | ${n(v.keys)} | ${n(v.bytes)} | ${n(v.bytes / v.keys)} |`);
  L.push(
    "",
    "### History growth: the sample replayed again and again (sessions renamed per pass)",
    "",
  );
  L.push("| pass | events so far | events/s in this pass |", "|---|---|---|");
  for (const g of r.growth) L.push(`| ${g.pass} | ${n(g.totalEvents)} | ${n(g.eventsPerSec)} |`);
  if (r.profile?.length) {
    L.push("", "### CPU profile of the service during the trackEvent runs", "", "```");
    for (const p of r.profile) L.push(p);
    L.push("```");
  }
  L.push("");
  return L.join("\n");
}
