import { fork } from "node:child_process";
import type { SessionEvent } from "../src/domain/event-type.ts";
import { freshConnections, gql } from "./lib/load.ts";
import { trackEventBody, trackEventsBody } from "./lib/sample.ts";
import { percentile, round, wallMs } from "./lib/stats.ts";
import type { SubscriberCommand, SubscriberReply } from "./push-subscriber.ts";

export interface PushResult {
  mode: "sse" | "ws";
  /** Service worker processes (WORKERS) that answered the events and held the subscribers. */
  workers: number;
  subscribed: number;
  ratePerSec: number;
  sent: number;
  published: number;
  received: number;
  lost: number;
  /** trackEvent's response at the driver to the list's arrival at the subscriber. */
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
  },
): Promise<PushResult> {
  const ids = Array.from({ length: opts.sessions }, (_, i) => `push.${opts.run}.${opts.mode}.${i}`);
  const t0 = Date.UTC(2024, 0, 1);
  const lists = new Map<string, string[]>();
  const setup: SessionEvent[] = ids.map((sessionId, i) => {
    const impressions = Array.from(
      { length: 25 },
      (_, k) => opts.items[(i * 7 + k * 13) % opts.items.length]!,
    );
    const unique = [...new Set(impressions)];
    lists.set(sessionId, unique);
    return {
      sessionId,
      timestamp: t0,
      type: "IMPRESSIONS",
      impressions: unique,
      prices: unique.map((_, k) => 50 + k),
    };
  });
  for (let i = 0; i < setup.length; i += 200)
    await gql(url, trackEventsBody(setup.slice(i, i + 200)));

  const child = fork(new URL("./push-subscriber.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies: SubscriberReply[] = [];
  let wake: (() => void) | undefined;
  child.on("message", (m: SubscriberReply) => {
    replies.push(m);
    wake?.();
  });
  const reply = async (): Promise<SubscriberReply> => {
    while (replies.length === 0) await new Promise<void>((r) => (wake = r));
    return replies.shift()!;
  };
  const send = (c: SubscriberCommand) => child.send(c);

  send({ cmd: "open", mode: opts.mode, url, sessions: ids });
  const ready = await reply();
  if (ready.kind !== "ready") throw new Error("subscriber: unexpected reply");
  if (ready.failed > 0)
    console.error(`  ! ${ready.failed} subscriptions failed: ${ready.firstError}`);

  freshConnections();
  // Open loop: every tick, send the events due by now.
  const sentAt = new Map<string, number>();
  const responses: { key: string; resp: number; sent: number }[] = [];
  const trackMs: number[] = [];
  let sent = 0;
  let published = 0;
  let failed = 0;
  const total = Math.round(opts.rate * opts.seconds);
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  let n = 0;
  let rng = 12345;
  const rand = () => {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    return rng / 0x7fffffff;
  };
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
      sent++;
      const p = gql<{ trackEvent: { published: boolean; recommendations: { version: number } } }>(
        url,
        body,
      )
        .then((d) => {
          const r = wallMs();
          trackMs.push(r - s);
          // An answer without data (a service shutting down, say) counts as a failure.
          if (!d?.trackEvent) throw new Error("no trackEvent in the answer");
          if (d.trackEvent.published) {
            published++;
            const key = `${sessionId}|${d.trackEvent.recommendations.version}`;
            responses.push({ key, resp: r, sent: s });
            sentAt.set(key, s);
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
  send({ cmd: "collect" });
  const got = await reply();
  if (got.kind !== "receipts") throw new Error("subscriber: unexpected reply");
  const arrived = new Map<string, number>();
  for (const [s, v, t] of got.receipts) arrived.set(`${s}|${v}`, t);
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
    if (t < r.resp) before++;
    lat.push(Math.max(0, t - r.resp));
    e2e.push(t - r.sent);
  }
  return {
    mode: opts.mode,
    workers: opts.workers,
    subscribed: ready.opened,
    ratePerSec: round(sent / sendSeconds, 0),
    sent,
    published,
    received: lat.length,
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
