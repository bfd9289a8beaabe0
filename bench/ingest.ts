import type { Redis } from "ioredis";
import { defaultConfig } from "../src/config.ts";
import type { SessionEvent } from "../src/domain/event-type.ts";
import { createKeys, type Keys } from "../src/domain/keys.ts";
import { eventWrites } from "../src/features/accumulate.ts";
import {
  emptySnapshot,
  foldSession,
  type SessionSnapshot,
} from "../src/features/session-snapshot.ts";
import type { Engine } from "../src/ingest/engine.ts";
import { loadScorer } from "../src/scoring/load-scorer.ts";
import { ModelHolder } from "../src/scoring/model-holder.ts";
import { createServices } from "../src/services.ts";
import { coalesceOps } from "../src/state/coalesce-ops.ts";
import { encodeFlat, encodeOps } from "../src/state/encode-ops.ts";
import type { Op } from "../src/state/ops.ts";
import { RedisStore } from "../src/state/redis-store.ts";
import { renamed } from "./lib/sample.ts";
import { round } from "./lib/stats.ts";

export async function makeEngine(
  redisUrl: string,
  prefix: string,
): Promise<{ engine: Engine; store: RedisStore; keys: Keys }> {
  const config = defaultConfig({ REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
  const store = new RedisStore({ url: redisUrl });
  const models = new ModelHolder(await loadScorer(config));
  const { engine, deps } = createServices(store, config, models);
  return { engine, store, keys: deps.keys };
}

/**
 * Replay as the offline path does it: Engine.trackBatch over chunks of the time-ordered
 * log (`rescore: false` = ingest only; true = each touched session rescored and published
 * once per chunk, as trackEvents does).
 */
export async function replay(
  engine: Engine,
  events: readonly SessionEvent[],
  opts: { chunk: number; rescore: boolean },
): Promise<{ events: number; seconds: number; eventsPerSec: number }> {
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += opts.chunk) {
    await engine.trackBatch(events.slice(i, i + opts.chunk), { rescore: opts.rescore });
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    events: events.length,
    seconds: round(seconds, 3),
    eventsPerSec: round(events.length / seconds, 0),
  };
}

type Pipe = ReturnType<Redis["pipeline"]> & {
  srApplyOps(numKeys: number, ...keysAndArgs: (string | number)[]): unknown;
};

/**
 * The Redis-only bound: the same writes (eventWrites for every event, folded in memory so
 * each event sees its session's state), encoded once, then fired as srApplyOps calls
 * pipelined straight at Redis. No reads, no rescoring, no GraphQL: what Redis alone allows.
 */
export async function redisBound(
  store: RedisStore,
  events: readonly SessionEvent[],
  prefix: string,
  /**
   * When set, the writes the batch paths send: per chunk of this many events, one call per
   * session with its events' writes coalesced (src/state/coalesce-ops.ts). Else one call
   * per event, every write as the accumulators produce it.
   */
  coalesceChunk?: number,
  /**
   * How the fields travel: "packed" (one ARGV string, what the stores send) or "flat" (one
   * ARGV entry per field). The bench takes the faster of the two as the bound.
   */
  encoding: "packed" | "flat" = "packed",
): Promise<{
  events: number;
  calls: number;
  opsPerCall: number;
  seconds: number;
  eventsPerSec: number;
}> {
  const config = defaultConfig({ REDIS_PREFIX: prefix });
  const keys = createKeys(prefix);
  const ctx = { keys, config };
  const snaps = new Map<string, SessionSnapshot>();
  const calls: (string | number)[][] = [];
  let ops = 0;
  const call = (w: readonly Op[]) => {
    const enc = encoding === "packed" ? encodeOps(w) : encodeFlat(w);
    ops += w.length;
    calls.push([enc.keys.length, ...enc.keys, ...enc.args]);
  };
  const chunk = coalesceChunk ?? 1;
  for (let i = 0; i < events.length; i += chunk) {
    const bySession = new Map<string, Op[]>();
    for (const e of events.slice(i, i + chunk)) {
      const before = snaps.get(e.sessionId) ?? emptySnapshot(e.sessionId);
      const w = eventWrites(e, before, ctx);
      snaps.set(e.sessionId, foldSession(keys, before, w));
      if (coalesceChunk === undefined) call(w);
      else {
        const acc = bySession.get(e.sessionId);
        if (acc) acc.push(...w);
        else bySession.set(e.sessionId, w);
      }
    }
    for (const w of bySession.values()) call(coalesceOps(w));
  }
  const PIPE = 500;
  const IN_FLIGHT = 4;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const from = next;
      next += PIPE;
      const p = store.client.pipeline() as Pipe;
      for (const c of calls.slice(from, from + PIPE)) p.srApplyOps(c[0] as number, ...c.slice(1));
      const res = await p.exec();
      for (const [err] of res ?? []) if (err) throw err;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return {
    events: events.length,
    calls: calls.length,
    opsPerCall: round(ops / calls.length, 1),
    seconds: round(seconds, 3),
    eventsPerSec: round(events.length / seconds, 0),
  };
}

export interface MemoryResult {
  events: number;
  sessions: number;
  items: number;
  usedMemoryDelta: number;
  /** The first replay's used_memory delta per session: it also creates every item's data. */
  bytesPerSessionTotal: number;
  /**
   * used_memory growth per session when the same events are replayed again as new sessions
   * (same users, same items): what one more session costs all-in, shared aggregates included.
   */
  bytesPerSessionAdded?: number;
  bytesPerSessionKeys: number;
  bytesPerItem: number;
  /** The first replay's delta less its sessions at the added-session cost, per item. */
  bytesPerItemTotal?: number;
  byPattern: Record<string, { keys: number; bytes: number }>;
}

/** Which accumulator a key belongs to (see src/domain/keys.ts). */
function pattern(key: string, prefix: string): string {
  const rest = key.slice(prefix.length + 1);
  if (rest.startsWith("{s:")) return `session ${rest.slice(rest.indexOf("}") + 1)}`;
  if (rest.startsWith("{i:")) return rest.endsWith(":cv") ? "item :cv (covisit)" : "item (stats)";
  if (rest.startsWith("{u:")) return "user :h";
  if (rest.startsWith("{c:")) return "city :pop";
  if (rest.startsWith("{g}")) return "global :pop";
  return "other";
}

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info("memory");
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** Memory after replaying `events` into an empty prefix: INFO delta and MEMORY USAGE per key pattern. */
export async function measureMemory(
  engine: Engine,
  store: RedisStore,
  events: readonly SessionEvent[],
  prefix: string,
): Promise<MemoryResult> {
  const r = store.client;
  await r.flushall();
  await new Promise((res) => setTimeout(res, 200));
  const before = await usedMemory(r);
  await replay(engine, events, { chunk: 1000, rescore: true });
  const after = await usedMemory(r);
  const byPattern: Record<string, { keys: number; bytes: number }> = {};
  let cursor = "0";
  do {
    const [c, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = c;
    const p = r.pipeline();
    for (const k of keys) p.call("MEMORY", "USAGE", k, "SAMPLES", "0");
    const res = (await p.exec()) ?? [];
    keys.forEach((k, i) => {
      const name = pattern(k, prefix);
      const b = byPattern[name] ?? { keys: 0, bytes: 0 };
      b.keys++;
      b.bytes += Number(res[i]?.[1] ?? 0);
      byPattern[name] = b;
    });
  } while (cursor !== "0");
  const sessions = new Set(events.map((e) => e.sessionId)).size;
  const items = byPattern["item (stats)"]?.keys ?? 0;
  // Once the items exist, what does another session cost? The same events as new sessions.
  await replay(engine, renamed(events, "m2"), { chunk: 1000, rescore: true });
  const added = (await usedMemory(r)) - after;
  let sessionBytes = 0;
  let itemBytes = 0;
  for (const [name, b] of Object.entries(byPattern)) {
    if (name.startsWith("session")) sessionBytes += b.bytes;
    if (name.startsWith("item")) itemBytes += b.bytes;
  }
  return {
    events: events.length,
    sessions,
    items,
    usedMemoryDelta: after - before,
    bytesPerSessionTotal: round((after - before) / sessions, 0),
    bytesPerSessionAdded: round(added / sessions, 0),
    bytesPerSessionKeys: round(sessionBytes / sessions, 0),
    bytesPerItem: round(items ? itemBytes / items : 0, 0),
    bytesPerItemTotal: round(items ? (after - before - added) / items : 0, 0),
    byPattern,
  };
}
