import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionDocument, TrackEventDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { type Feed, openFeed, TRANSPORTS } from "../support/feed.ts";
import { gql, gqlOk } from "../support/graphql-client.ts";
import { type RedisServerHandle, startRedisServer } from "../support/redis-server.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { audit, startTraffic } from "../support/traffic.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
  return Date.now() - t0;
}

/**
 * Redis dies (kill -9, no shutdown) under load and comes back on the same port and data
 * directory. With AOF and `appendfsync always`, every write Redis acknowledged is on disk
 * before the reply, so no event the service acknowledged may be missing afterwards.
 */
describe.each([
  ["kill -9", true],
  ["SHUTDOWN", false],
] as const)("Redis %s and restart under load (AOF, appendfsync always)", (_label, crash) => {
  let redis: RedisServerHandle;
  let ts: TestServer;
  beforeAll(async () => {
    redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    ts = await startTestServer("redis", {}, { redisUrl: redis.url });
  });
  afterAll(async () => {
    await ts?.close();
    await redis?.stop();
  });

  it("fails fast with a retryable error while down, recovers by itself, loses no acknowledged event, and subscribers get the current list again", async () => {
    const s = sessionEvents(uid("watched"));
    const feeds: Feed[] = await Promise.all(
      TRANSPORTS.map((t) => openFeed(t, ts.url, { sessionId: s.sessionId })),
    );
    for (const f of feeds) await f.nextList();
    const shown = await gqlOk(ts.url, TrackEventDocument, {
      event: s.impressions(["w1", "w2", "w3"]),
    });
    const v1 = shown.trackEvent.recommendations.version;
    for (const f of feeds) expect((await f.nextList()).version).toBe(v1);

    const traffic = startTraffic(ts.url, 8);
    await sleep(500);
    if (crash) redis.kill9();
    else {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on("error", () => {});
      await admin.call("SHUTDOWN").catch(() => {}); // the connection closes: no reply
      admin.disconnect();
    }
    const downAt = Date.now();

    // Readiness turns false.
    const readyFalseMs = await until(
      "/ready 503",
      async () => (await fetch(`${ts.origin}/ready`)).status === 503,
    );
    // A request while Redis is down fails fast with the retryable code.
    const t0 = Date.now();
    const down = await gql(ts.url, SessionDocument, { id: s.sessionId });
    const failMs = Date.now() - t0;
    expect(down.errors?.[0]?.extensions).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      retryable: true,
    });

    await sleep(1000);
    await redis.restart();
    const readyAgainMs = await until(
      "/ready 200",
      async () => (await fetch(`${ts.origin}/ready`)).status === 200,
    );
    const outageMs = Date.now() - downAt;
    await sleep(500);
    const result = await traffic.stop();
    const report = await audit(ts.store, ts.server.services.deps.keys, result);
    const figures = {
      crash,
      acked: report.acked,
      failed: report.failed,
      failedButApplied: report.failedButApplied,
      lost: report.lost.length,
      codes: result.codes,
      readyFalseMs,
      failFastMs: failMs,
      outageMs,
      readyAgainMs,
    };
    console.log(`redis restart figures: ${JSON.stringify(figures)}`);
    expect(report.lost).toEqual([]);
    expect(report.acked).toBeGreaterThan(20);
    expect(failMs).toBeLessThan(2000);
    for (const code of Object.keys(result.codes)) expect(code).toBe("SERVICE_UNAVAILABLE");

    // Subscribers resume: the current list again (nothing changed for this session), then
    // the list of the next event.
    for (const f of feeds) expect((await f.nextList(10_000)).version).toBe(v1);
    const image = await gqlOk(ts.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "w3") });
    expect(image.trackEvent.recommendations.version).toBe(v1 + 1);
    for (const f of feeds) {
      const l = await f.nextList(10_000);
      expect(l.version).toBe(v1 + 1);
      expect(l.items[0]?.itemId).toBe("w3");
    }
    await Promise.all(feeds.map((f) => f.close()));
  }, 60_000);
});
