import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import { collector } from "../support/collector.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { openFeed } from "../support/feed.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { type RedisServerHandle, startRedisServer } from "../support/redis-server.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/** The store's subscriber connection (private: these tests break and watch it). */
const subOf = (store: RedisStore) => (store as unknown as { sub: Redis }).sub;

const untilReady = (conn: Redis) =>
  new Promise<void>((resolve) => {
    if (conn.status === "ready") resolve();
    else conn.once("ready", () => resolve());
  });

/** Regressions of src/state/redis-store.ts subscription handling, found by the e2e suite. */
describe("RedisStore subscriptions", () => {
  it("keeps a subscription made while the subscriber connection is still connecting", async () => {
    // ioredis writes SUBSCRIBE during its "connect" phase, before its INFO ready check; with
    // the ready check on, INFO then failed in subscriber mode, the connection was dropped
    // and the channel never resubscribed: the first subscribers of a fresh process were deaf.
    const store = new RedisStore({ url: inject("redisUrl") });
    try {
      const channel = uid("ch");
      const got = collector();
      const subscribed = new Promise<void>((resolve, reject) => {
        subOf(store).once("connect", () => {
          store.subscribe(channel, got.handler).then(() => resolve(), reject);
        });
      });
      await subscribed;
      await untilReady(subOf(store));
      expect(await store.client.publish(channel, "hello")).toBe(1);
      expect(await got.next()).toBe("hello");
    } finally {
      await store.close();
    }
  });

  it("forgets a subscription whose SUBSCRIBE failed, so the channel works for the next one", async () => {
    const store = new RedisStore({ url: inject("redisUrl") });
    try {
      const sub = subOf(store);
      await untilReady(sub);
      const channel = uid("ch");
      sub.disconnect(); // down: SUBSCRIBE fails
      await expect(store.subscribe(channel, () => {})).rejects.toThrow();
      expect(store.subscriptionCount()).toBe(0);

      await sub.connect();
      const got = collector();
      await store.subscribe(channel, got.handler);
      expect(await store.client.publish(channel, "after")).toBe(1);
      expect(await got.next()).toBe("after");
    } finally {
      await store.close();
    }
  });
});

describe("live subscribers when Redis drops the pub/sub connection", () => {
  let redis: RedisServerHandle;
  let ts: TestServer;
  beforeAll(async () => {
    // A private redis-server: CLIENT KILL must not hit other test files' connections.
    redis = await startRedisServer();
    ts = await startTestServer("redis", {}, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await ts?.close();
    await redis?.stop();
  });

  it("resubscribes, and SSE and WebSocket subscribers get the next lists", async () => {
    const s = sessionEvents(uid("s"));
    const sse = await openFeed("sse", ts.url, { sessionId: s.sessionId });
    const ws = await openFeed("ws", ts.url, { sessionId: s.sessionId });
    try {
      await sse.nextList();
      await ws.nextList();
      await gqlOk(ts.url, TrackEventDocument, { event: s.impressions(["a", "b", "c"]) });
      expect((await sse.nextList()).version).toBe(1);
      expect((await ws.nextList()).version).toBe(1);

      const sub = subOf(ts.store as RedisStore);
      const dropped = new Promise<void>((r) => sub.once("close", () => r()));
      const killed = await (ts.store as RedisStore).client.call("CLIENT", "KILL", "TYPE", "pubsub");
      expect(killed).toBe(1);
      await dropped;
      await untilReady(sub);
      // ioredis resubscribes on "ready"; publish only once Redis has the subscription back.
      const channel = ts.server.services.deps.keys.sessionChannel(s.sessionId);
      const client = (ts.store as RedisStore).client;
      for (let i = 0; i < 200; i++) {
        const [, n] = (await client.call("PUBSUB", "NUMSUB", channel)) as [string, number];
        if (Number(n) > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }

      // Lists published while the connection was down are lost: once resubscribed, every
      // subscriber gets the current list again (same version: nothing changed meanwhile).
      expect((await sse.nextList()).version).toBe(1);
      expect((await ws.nextList()).version).toBe(1);

      const image = await gqlOk(ts.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "c") });
      expect(image.trackEvent.published).toBe(true);
      expect((await sse.nextList()).items[0]?.itemId).toBe("c");
      expect((await ws.nextList()).items[0]?.itemId).toBe("c");
    } finally {
      await Promise.all([sse.close(), ws.close()]);
    }
  });
});
