/**
 * The traffic shapes of the benchmark (issue 18), as request bodies over sessions that were
 * shown a 25-item list, and the measurement of a shape against a running server: its rate,
 * latency, and the CPU the server (every process of its tree) and Redis spent per event.
 */
import type { SessionEvent } from "../src/domain/event-type.ts";
import { interactions, type ListedSessions } from "./lib/listed.ts";
import { hammer, type LoadResult } from "./lib/load.ts";
import { type Proc, procCpu, treeCpu } from "./lib/procs.ts";
import { COLLECT_EVENT, eventBody, FRONTEND_EVENT, trackEventsBody } from "./lib/sample.ts";
import { round } from "./lib/stats.ts";

/** Events per trackEvents request in shape (3). */
export const BATCH = 100;

/** (1) a collector's trackEvent selecting only `accepted`, one event per request. */
export function collectBodies(s: ListedSessions, rounds: number): string[] {
  return interactions(s, rounds, 1).map((e) => eventBody(e, COLLECT_EVENT));
}

/** (2) the same events, selecting `recommendations { version items { itemId } }`. */
export function frontendBodies(s: ListedSessions, rounds: number): string[] {
  return interactions(s, rounds, 2).map((e) => eventBody(e, FRONTEND_EVENT));
}

/**
 * (3) trackEvents of 100 events, every event from a different session: the events go
 * round-robin over the sessions, whose count is a multiple of 100, so a batch never holds
 * two events of one session. `rescore: false` gives the same batches as an import.
 */
export function batchBodies(s: ListedSessions, rounds: number, rescore = true): string[] {
  if (s.ids.length % BATCH !== 0) throw new Error(`sessions must be a multiple of ${BATCH}`);
  const evs: SessionEvent[] = interactions(s, rounds, rescore ? 3 : 4);
  const out: string[] = [];
  for (let i = 0; i + BATCH <= evs.length; i += BATCH)
    out.push(trackEventsBody(evs.slice(i, i + BATCH), { rescore }));
  return out;
}

export interface ShapeRun extends LoadResult {
  eventsPerSec: number;
  /** CPU of the server's processes per event, µs (user + system, from /proc). */
  serverUs: number;
  /** CPU of redis-server per event, µs. */
  redisUs: number;
  /** Sum of `published` over the answers (trackEvents: sessions whose order changed). */
  published: number;
}

const publishedOf = (body: string): number => {
  const m = /"published":(true|false|\d+)/.exec(body);
  return !m ? 0 : m[1] === "true" ? 1 : m[1] === "false" ? 0 : Number(m[1]);
};

/**
 * Closed-loop load on one or more servers at once (several: the bodies dealt out in turn,
 * the connections split evenly), with the CPU every server and Redis spent per event.
 */
export async function measureShape(
  servers: readonly Proc[],
  bodies: readonly string[],
  opts: { connections: number; seconds: number; eventsPerRequest: number; redisPid: number },
): Promise<ShapeRun> {
  const cpu0 = servers.map((p) => treeCpu(p.child.pid!));
  const redis0 = procCpu(opts.redisPid);
  let published = 0;
  const onBody = (b: string) => {
    published += publishedOf(b);
  };
  const share = (k: number) => bodies.filter((_, i) => i % servers.length === k);
  const results = await Promise.all(
    servers.map((p, k) =>
      hammer(p.url, servers.length === 1 ? bodies : share(k), {
        connections: Math.max(1, Math.round(opts.connections / servers.length)),
        seconds: opts.seconds,
        onBody,
      }),
    ),
  );
  const serverUs = servers.reduce((a, p, k) => a + treeCpu(p.child.pid!) - cpu0[k]!, 0);
  const redisUs = procCpu(opts.redisPid) - redis0;
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const events = requests * opts.eventsPerRequest;
  const reqPerSec = results.reduce((a, r) => a + r.reqPerSec, 0);
  return {
    reqPerSec,
    eventsPerSec: reqPerSec * opts.eventsPerRequest,
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    requests,
    errors: results.reduce((a, r) => a + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    serverUs: round(serverUs / Math.max(1, events), 1),
    redisUs: round(redisUs / Math.max(1, events), 1),
    published,
  };
}
