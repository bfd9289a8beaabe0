import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ServiceMetrics } from "../../src/observability/metrics.ts";
import { timeCommands } from "../../src/state/command-timing.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

async function gql(origin: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "req-42" },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

const TRACK = "mutation($e: EventInput!) { trackEvent(event: $e) { published } }";
const BATCH =
  "mutation($es: [EventInput!]!, $p: Boolean) { trackEvents(events: $es, partial: $p) { accepted rejected } }";

/** The value of one sample of the exposition text, or NaN. */
function sample(text: string, line: string): number {
  const esc = line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = text.match(new RegExp(`^${esc} ([0-9.e+-]+)$`, "m"));
  return m ? Number(m[1]) : Number.NaN;
}

describe("/metrics and request ids", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer("redis");
  });
  afterAll(() => t?.close());

  const scrape = async () => {
    const res = await fetch(`${t.origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return res.text();
  };

  it("counts events by type and outcome, rescores, pushes and subscriptions", async () => {
    const list = {
      sessionId: "m-1",
      type: "IMPRESSIONS",
      impressions: ["a", "b", "c"],
      prices: [3, 2, 1],
    };
    const r1 = await gql(t.origin, TRACK, { e: list });
    expect(r1.res.headers.get("x-request-id")).toBe("req-42");
    await gql(t.origin, TRACK, { e: { sessionId: "m-1", type: "ITEM_IMAGE", itemId: "c" } });
    const bad = await gql(t.origin, TRACK, { e: { sessionId: "m-1", type: "ITEM_IMAGE" } });
    expect(bad.body.errors).toBeDefined();
    // All-or-nothing batch with one bad event: both rejected.
    await gql(t.origin, BATCH, {
      es: [
        { sessionId: "m-2", type: "ITEM_INFO", itemId: "a" },
        { sessionId: "m-2", type: "SORT" },
      ],
    });
    // Partial: the valid one is accepted.
    await gql(t.origin, BATCH, {
      p: true,
      es: [
        { sessionId: "m-2", type: "ITEM_INFO", itemId: "a" },
        { sessionId: "m-2", type: "SORT" },
      ],
    });

    // An SSE subscription: one push (the current list), counted while it is open.
    const ctl = new AbortController();
    const sse = await fetch(`${t.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        query: 'subscription { recommendations(sessionId: "m-1") { version } }',
      }),
      signal: ctl.signal,
    });
    const reader = sse.body!.getReader();
    let got = "";
    while (!got.includes("version")) got += new TextDecoder().decode((await reader.read()).value);

    const text = await scrape();
    expect(sample(text, 'sessionrank_events_total{type="IMPRESSIONS",outcome="accepted"}')).toBe(1);
    expect(sample(text, 'sessionrank_events_total{type="ITEM_IMAGE",outcome="accepted"}')).toBe(1);
    expect(sample(text, 'sessionrank_events_total{type="ITEM_IMAGE",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'sessionrank_events_total{type="ITEM_INFO",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'sessionrank_events_total{type="ITEM_INFO",outcome="accepted"}')).toBe(1);
    expect(sample(text, 'sessionrank_events_total{type="SORT",outcome="rejected"}')).toBe(2);
    expect(sample(text, 'sessionrank_rescore_duration_seconds_count{source="RERANK"}')).toBe(2);
    expect(sample(text, "sessionrank_lists_published_total")).toBeGreaterThanOrEqual(2);
    expect(sample(text, "sessionrank_pushes_total")).toBe(1);
    expect(sample(text, "sessionrank_active_subscriptions")).toBe(1);
    expect(sample(text, 'sessionrank_store_info{store="redis"}')).toBe(1);
    expect(text).toMatch(/^sessionrank_model_info\{model="[^"]+",generation="0"\} 1$/m);
    expect(
      sample(text, 'sessionrank_redis_command_duration_seconds_count{command="evalsha"}'),
    ).toBeGreaterThan(0);
    expect(
      sample(
        text,
        'sessionrank_http_request_duration_seconds_count{route="/graphql",method="POST",status="200"}',
      ),
    ).toBeGreaterThanOrEqual(5);

    ctl.abort();
    await reader.cancel().catch(() => {});
    await expect
      .poll(async () => sample(await scrape(), "sessionrank_active_subscriptions"), {
        timeout: 5000,
      })
      .toBe(0);
  });

  it("keeps /health and /ready", async () => {
    expect((await fetch(`${t.origin}/health`)).status).toBe(200);
    const ready = await fetch(`${t.origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, store: "redis" });
  });

  it("gives each request an id, or keeps a sane one the caller sent", async () => {
    const mine = await fetch(`${t.origin}/health`, { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const weird = await fetch(`${t.origin}/health`, { headers: { "x-request-id": "a b\tc" } });
    expect(weird.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("Redis command metrics", () => {
  it("times commands and counts errors by command", async () => {
    const metrics = new ServiceMetrics({
      activeSubscriptions: () => 0,
      model: () => ({ name: "m", generation: 0 }),
      storeKind: "redis",
    });
    const client = new Redis(inject("redisUrl"), { lazyConnect: true });
    const observer = metrics.redisCommand.bind(metrics);
    timeCommands(client, observer);
    timeCommands(client, observer); // idempotent: no double counting
    try {
      await client.ping();
      await client.pipeline().ping().ping().exec();
      await expect(client.call("NOSUCHCOMMAND")).rejects.toThrow();
      const text = await metrics.render();
      expect(sample(text, 'sessionrank_redis_command_duration_seconds_count{command="ping"}')).toBe(
        3,
      );
      expect(sample(text, 'sessionrank_redis_command_errors_total{command="nosuchcommand"}')).toBe(
        1,
      );
      expect(text).not.toMatch(/sessionrank_redis_command_errors_total\{command="ping"\}/);
    } finally {
      client.disconnect();
    }
  });
});
