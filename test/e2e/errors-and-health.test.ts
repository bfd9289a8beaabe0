import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  RecommendationsDocument,
  SessionDocument,
  TrackEventDocument,
} from "../../src/generated/graphql.ts";
import type { RedisStore } from "../../src/state/redis-store.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { openFeed, TRANSPORTS } from "../support/feed.ts";
import { gql } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

describe.each(STORE_KINDS)("/health and /ready (%s store)", (kind) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer(kind);
  });
  afterAll(async () => {
    await ts?.close();
  });

  it("/health answers 200 ok without touching the store", async () => {
    const res = await fetch(`${ts.origin}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/ready answers 200 with the store kind and the model", async () => {
    const res = await fetch(`${ts.origin}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, store: kind, model: "hand-weighted-v1" });
  });

  it("/ redirects to /graphql", async () => {
    const res = await fetch(`${ts.origin}/`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/graphql");
  });
});

describe("a store outage is a retryable SERVICE_UNAVAILABLE error, with no trace of the cause (Redis connection gone under a running server)", () => {
  let ts: TestServer;
  let rawMessage: string;
  beforeAll(async () => {
    ts = await startTestServer("redis");
    const store = ts.store as RedisStore;
    // Closed for good: every command fails at once with ioredis' own error.
    store.client.disconnect();
    rawMessage = await ts.server.engine.snapshot("any").then(
      () => "",
      (e: Error) => e.message,
    );
  });
  afterAll(async () => {
    await ts?.close();
  });

  it("the raw error exists (so the checks below are not vacuous)", () => {
    expect(rawMessage).toMatch(/connection/i);
  });

  it.each([
    [
      "trackEvent",
      () => gql(ts.url, TrackEventDocument, { event: sessionEvents(uid("s")).item("VIEW", "i1") }),
    ],
    ["recommendations", () => gql(ts.url, RecommendationsDocument, { sessionId: uid("s") })],
    ["session", () => gql(ts.url, SessionDocument, { id: uid("s") })],
  ] as const)(
    "%s answers SERVICE_UNAVAILABLE, retryable, with no trace of the cause",
    async (_name, call) => {
      const res = await call();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/unavailable/i),
        extensions: { code: "SERVICE_UNAVAILABLE", retryable: true },
      });
      const body = JSON.stringify(res);
      expect(body).not.toContain(rawMessage);
      expect(body).not.toMatch(/ioredis|stack|redis-store|\.ts:/i);
    },
  );

  it.each(TRANSPORTS)(
    "a subscription over %s gets SERVICE_UNAVAILABLE (retryable), then ends, leaving no feed behind",
    async (t) => {
      const feed = await openFeed(t, ts.url, { sessionId: uid("s") });
      try {
        const first = await feed.next();
        expect(first.errors?.[0]).toMatchObject({
          message: expect.stringMatching(/unavailable/i),
          extensions: { code: "SERVICE_UNAVAILABLE", retryable: true },
        });
        expect(JSON.stringify(first)).not.toContain(rawMessage);
        await expect(feed.next(1000)).rejects.toThrow(/completed|failed/);
      } finally {
        await feed.close();
      }
      await eventually(() => {
        expect(ts.server.feeds.activeCount).toBe(0);
        expect(ts.store.subscriptionCount()).toBe(0);
      });
    },
  );

  it("a client mistake is still reported as such (validation runs before the store)", async () => {
    const res = await gql(ts.url, TrackEventDocument, {
      event: { sessionId: "s", type: "ITEM_IMAGE" },
    });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("/ready answers 503 while /health stays 200", async () => {
    const ready = await fetch(`${ts.origin}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, store: "redis" });
    expect((await fetch(`${ts.origin}/health`)).status).toBe(200);
  });
});
