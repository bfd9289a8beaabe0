/**
 * Soak mode (`npm run bench -- --soak [seconds]`, default 600): the service (src/main.ts,
 * one worker) on a private redis-server under a steady mixed load for a long time, to see
 * whether memory settles or grows. Load: trackEvent calls paced at `--rate` events/s
 * (default 300) over the sample's sessions, renamed on every pass so sessions keep
 * arriving, plus graphql-ws subscribers that join and leave (one replaced every 500 ms,
 * `--subscribers` open at a time, default 20). Reported: the service's RSS and V8 heap
 * (from its /metrics) and Redis used_memory before, every 30 s and after; events sent,
 * acknowledged and failed; subscriber churn and pushes received. Prints JSON on stdout and
 * writes the "Soak" section of docs/reliability.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import type { SessionEvent } from "../src/domain/event-type.ts";
import { numberOption } from "./lib/args.ts";
import { freshConnections, post } from "./lib/load.ts";
import { startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventBody } from "./lib/sample.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DOC = join(ROOT, "docs/reliability.md");
const START = "<!-- soak:start -->";
const END = "<!-- soak:end -->";
const FEED =
  "subscription Feed($sessionId: ID!) { recommendations(sessionId: $sessionId) { version items { itemId } } }";

interface Sample {
  atSeconds: number;
  serviceRssMb: number;
  serviceHeapUsedMb: number;
  redisUsedMemoryMb: number;
  sent: number;
  acked: number;
  errors: number;
  subscribers: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serviceMemory(url: string): Promise<{ rss: number; heapUsed: number }> {
  const text = await (await fetch(new URL("/metrics", url))).text();
  const metric = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : Number.NaN;
  };
  return {
    rss: metric("process_resident_memory_bytes"),
    heapUsed: metric("nodejs_heap_size_used_bytes"),
  };
}

async function redisUsedMemory(r: Redis): Promise<number> {
  const info = await r.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/** A graphql-ws subscriber of one session; counts the lists pushed to it. */
function subscriber(url: string, sessionId: string, onPush: () => void, onError: () => void) {
  const ws = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
  ws.on("message", (data: Buffer) => {
    const m = JSON.parse(data.toString()) as { type: string };
    if (m.type === "connection_ack")
      ws.send(
        JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: FEED, variables: { sessionId } },
        }),
      );
    else if (m.type === "next") onPush();
    else if (m.type === "error") onError();
  });
  ws.on("error", onError);
  return { close: () => ws.close(1000) };
}

export async function runSoak(seconds: number, argv: readonly string[]): Promise<void> {
  const opt = (name: string, def: number) => numberOption(argv, name, def);
  const rate = opt("rate", 300);
  const maxSubscribers = opt("subscribers", 20);
  const sampleEvery = opt("sample-every", 30);
  const log = (msg: string) => process.stderr.write(`${msg}\n`);

  const sample = await loadSample();
  const redis = await startRedis();
  const svc = await startService({ redisUrl: redis.url, workers: 1 });
  const admin = new Redis(redis.url);
  log(
    `soak: ${seconds}s at ${rate} events/s, ${maxSubscribers} subscribers, sample ${sample.path}`,
  );

  let sent = 0;
  let acked = 0;
  let errors = 0;
  let pushes = 0;
  let subscriberErrors = 0;
  let joined = 0;
  let left = 0;
  const t0 = Date.now();
  const at = () => Math.round((Date.now() - t0) / 1000);
  const snapshot = async (): Promise<Sample> => {
    const m = await serviceMemory(svc.url);
    return {
      atSeconds: at(),
      serviceRssMb: mb(m.rss),
      serviceHeapUsedMb: mb(m.heapUsed),
      redisUsedMemoryMb: mb(await redisUsedMemory(admin)),
      sent,
      acked,
      errors,
      subscribers: subs.length,
    };
  };

  const subs: { close(): void }[] = [];
  const before = await snapshot();
  log(`before: ${JSON.stringify(before)}`);
  const during: Sample[] = [];
  const deadline = t0 + seconds * 1000;
  let running = true;

  // Events: the sample in time order, renamed on each pass (new sessions keep arriving).
  let pass = 0;
  let cursor = 0;
  let events: SessionEvent[] = renamed(sample.events, `soak${pass}`);
  const recent: string[] = [];
  const nextEvent = (): SessionEvent => {
    if (cursor >= events.length) {
      pass++;
      cursor = 0;
      events = renamed(sample.events, `soak${pass}`, pass * 86_400_000);
    }
    const e = events[cursor++]!;
    if (recent.at(-1) !== e.sessionId) {
      recent.push(e.sessionId);
      if (recent.length > 200) recent.shift();
    }
    return e;
  };
  const WORKERS = 8;
  const perWorkerMs = (1000 * WORKERS) / rate;
  const senders = Array.from({ length: WORKERS }, async () => {
    let next = Date.now();
    while (running && Date.now() < deadline) {
      const e = nextEvent();
      sent++;
      try {
        const r = (await post(svc.url, trackEventBody(e))) as { errors?: unknown[] };
        if (r.errors?.length) errors++;
        else acked++;
      } catch {
        errors++;
      }
      next += perWorkerMs;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
  });

  // Subscribers join and leave: one replaced every 500 ms, on a recently active session.
  const churn = (async () => {
    while (running && Date.now() < deadline) {
      if (subs.length >= maxSubscribers) {
        subs.splice(Math.floor(Math.random() * subs.length), 1)[0]?.close();
        left++;
      }
      const sid = recent[Math.floor(Math.random() * recent.length)] ?? "soak-idle";
      subs.push(
        subscriber(
          svc.url,
          sid,
          () => pushes++,
          () => subscriberErrors++,
        ),
      );
      joined++;
      await sleep(500);
    }
  })();

  const sampler = (async () => {
    let next = t0 + sampleEvery * 1000;
    while (next <= deadline) {
      await sleep(next - Date.now());
      const s = await snapshot();
      during.push(s);
      log(`[${s.atSeconds}s] ${JSON.stringify(s)}`);
      next += sampleEvery * 1000;
    }
  })();

  await Promise.all([...senders, churn, sampler]);
  running = false;
  for (const s of subs.splice(0)) s.close();
  left = joined;
  freshConnections();
  await sleep(2000); // sockets close, subscriptions are released, GC gets a chance
  const after = await snapshot();
  log(`after: ${JSON.stringify(after)}`);
  await svc.stop();
  admin.disconnect();
  await redis.stop();

  const result = {
    seconds,
    rate,
    subscribers: maxSubscribers,
    sample: { path: sample.path, events: sample.events.length, passes: pass + 1 },
    events: { sent, acked, errors, perSecond: Math.round(acked / seconds) },
    subscriptions: { joined, left, pushes, errors: subscriberErrors },
    memory: { before, during, after },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  writeSection(result);
  log(`wrote the soak section of ${DOC}`);
}

function writeSection(r: {
  seconds: number;
  rate: number;
  subscribers: number;
  events: { sent: number; acked: number; errors: number; perSecond: number };
  subscriptions: { joined: number; left: number; pushes: number; errors: number };
  memory: { before: Sample; during: Sample[]; after: Sample };
}): void {
  const row = (label: string, s: Sample) =>
    `| ${label} | ${s.atSeconds} s | ${s.serviceRssMb} | ${s.serviceHeapUsedMb} | ${s.redisUsedMemoryMb} | ${s.sent} | ${s.acked} | ${s.errors} |`;
  const minutes = r.seconds / 60;
  const length =
    r.seconds === 600
      ? "a 10-minute run"
      : `a ${Number.isInteger(minutes) ? `${minutes}-minute` : `${r.seconds}-second`} run; the 10-minute run is \`npm run bench -- --soak 600\``;
  const text = [
    START,
    "## Soak",
    "",
    `\`npm run bench -- --soak ${r.seconds}\` (${length}): the service (one worker) on a private`,
    `redis-server (no persistence), \`trackEvent\` calls paced at ${r.rate} events/s over the`,
    "sample's sessions (renamed on each pass, so new sessions keep arriving), and",
    `${r.subscribers} graphql-ws subscribers at a time, one replaced every 500 ms. Memory from the`,
    "service's /metrics (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`) and",
    "Redis `INFO memory` (`used_memory`); the last row is 2 s after the load stopped.",
    "",
    "| when | at | service RSS (MB) | service heap used (MB) | Redis used_memory (MB) | events sent | acked | errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    row("before", r.memory.before),
    ...r.memory.during.map((s) => row("during", s)),
    row("after", r.memory.after),
    "",
    `Events: ${r.events.sent} sent, ${r.events.acked} acknowledged, ${r.events.errors} errors` +
      ` (${r.events.perSecond}/s). Subscribers: ${r.subscriptions.joined} joined and left,` +
      ` ${r.subscriptions.pushes} lists pushed, ${r.subscriptions.errors} subscriber errors.`,
    "Redis grows with the data (every session is new and kept for SESSION_TTL_SECONDS);",
    "what a leak would show is the service's heap growing while the load is steady.",
    END,
  ].join("\n");
  const doc = readFileSync(DOC, "utf8");
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  const next =
    i >= 0 && j > i
      ? doc.slice(0, i) + text + doc.slice(j + END.length)
      : `${doc.trimEnd()}\n\n${text}\n`;
  writeFileSync(DOC, next);
}
