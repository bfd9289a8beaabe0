import type { SessionEvent } from "../src/domain/event-type.ts";
import { createListedSessions, lcg } from "./lib/listed.ts";
import { freshConnections, gql } from "./lib/load.ts";
import { trackEventBody } from "./lib/sample.ts";
import { percentile, round, wallMs } from "./lib/stats.ts";
import { openSubscribers } from "./lib/subscribers.ts";

export interface PushResult {
  mode: "sse" | "ws";
  /** What answered the events and held the subscribers (older results: the service). */
  server?: "service" | "bare yoga pub/sub";
  /** Service worker processes (WORKERS) that answered the events and held the subscribers. */
  workers: number;
  subscribed: number;
  /** The rate the driver was asked for (older results: only the rate achieved). */
  rate?: number;
  ratePerSec: number;
  sent: number;
  published: number;
  received: number;
  lost: number;
  /** trackEvent's response at the driver to the list's arrival at the subscriber (after the warm-up). */
  p50: number;
  p99: number;
  /** Share of pushes that arrived before the driver had parsed trackEvent's response. */
  beforeResponse: number;
  /** Request sent to list received: the end-to-end figure, never negative. */
  e2eP50: number;
  e2eP99: number;
  trackP99: number;
  /** trackEvent requests that failed (none expected; older results lack it). */
  failed?: number;
}

/**
 * 1,000 (or `sessions`) sessions subscribed at once from a child process; the driver sends
 * one event every 1/rate seconds spread round-robin over them (open loop) and times each
 * published list from trackEvent's response to the subscriber's receipt.
 */
export async function measurePush(
  url: string,
  opts: {
    mode: "sse" | "ws";
    sessions: number;
    rate: number;
    seconds: number;
    items: string[];
    run: string;
    /** Recorded in the result: how many workers the service at `url` runs. */
    workers: number;
    /**
     * The first seconds of sending are a warm-up (the server's JIT, the client's sockets
     * opening): their lists are checked for loss but left out of the latencies.
     */
    warmupSeconds?: number;
    /** Recorded in the result: what answered (the service, or the bare yoga pub/sub). */
    server?: "service" | "bare yoga pub/sub";
  },
): Promise<PushResult> {
  const listed = await createListedSessions(url, {
    count: opts.sessions,
    items: opts.items,
    tag: `push.${opts.run}.${opts.mode}`,
  });
  const { ids, lists, t0 } = listed;
  const subscribers = await openSubscribers(opts.mode, url, ids);

  freshConnections();
  // Open loop: every tick, send the events due by now.
  const responses: { key: string; resp: number; sent: number; warm: boolean }[] = [];
  const warmN = Math.round(opts.rate * (opts.warmupSeconds ?? 0));
  const trackMs: number[] = [];
  let sent = 0;
  let published = 0;
  let failed = 0;
  const total = Math.round(opts.rate * opts.seconds);
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  let n = 0;
  const rand = lcg();
  // Stop sending at 1.5x the planned time even if the driver fell behind (an overloaded
  // service); what was sent is what is reported, with the rate actually achieved.
  const deadline = start + opts.seconds * 1500;
  while (n < total && performance.now() < deadline) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * opts.rate) + 1);
    for (; n < due; n++) {
      const sessionId = ids[n % ids.length]!;
      const list = lists.get(sessionId)!;
      const itemId = list[3 + Math.floor(rand() * (list.length - 3))]!;
      const event: SessionEvent = {
        sessionId,
        timestamp: t0 + 1000 + n,
        type: "ITEM_IMAGE",
        itemId,
      };
      const body = trackEventBody(event);
      const s = wallMs();
      const warm = n < warmN;
      sent++;
      const p = gql<{ trackEvent: { published: boolean; recommendations: { version: number } } }>(
        url,
        body,
      )
        .then((d) => {
          const r = wallMs();
          if (!warm) trackMs.push(r - s);
          // An answer without data (a service shutting down, say) counts as a failure.
          if (!d?.trackEvent) throw new Error("no trackEvent in the answer");
          if (d.trackEvent.published) {
            published++;
            const key = `${sessionId}|${d.trackEvent.recommendations.version}`;
            responses.push({ key, resp: r, sent: s, warm });
          }
        })
        .catch((e: unknown) => {
          failed++;
          if (failed <= 5) console.error(`  ! trackEvent failed: ${String(e)}`);
        });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  // Every request answered (or failed) before the service may be stopped: on a machine that
  // cannot keep up with the rate, requests queue well past the sending.
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 120_000))]);
  await new Promise((r) => setTimeout(r, 500));
  const arrived = new Map<string, number>();
  for (const [s, v, t] of await subscribers.collect()) arrived.set(`${s}|${v}`, t);
  const lat: number[] = [];
  const e2e: number[] = [];
  let before = 0;
  let lost = 0;
  for (const r of responses) {
    const t = arrived.get(r.key);
    if (t === undefined) {
      lost++;
      continue;
    }
    if (r.warm) continue;
    if (t < r.resp) before++;
    lat.push(Math.max(0, t - r.resp));
    e2e.push(t - r.sent);
  }
  return {
    mode: opts.mode,
    server: opts.server ?? "service",
    workers: opts.workers,
    subscribed: subscribers.opened,
    rate: opts.rate,
    ratePerSec: round(sent / sendSeconds, 0),
    sent,
    published,
    received: responses.length - lost,
    lost,
    p50: round(percentile(lat, 50)),
    p99: round(percentile(lat, 99)),
    beforeResponse: round(lat.length ? before / lat.length : 0, 3),
    e2eP50: round(percentile(e2e, 50)),
    e2eP99: round(percentile(e2e, 99)),
    trackP99: round(percentile(trackMs, 99)),
    failed,
  };
}
