import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import { keySlot } from "../../src/state/key-slot.ts";
import { groupBySlot } from "../../src/state/redis-cluster-store.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { type Feed, openFeed, TRANSPORTS } from "../support/feed.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { type RedisClusterHandle, startRedisCluster } from "../support/redis-cluster.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { clusterNodes } from "../support/stores.ts";
import { audit, startTraffic } from "../support/traffic.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("key slots", () => {
  it("keySlot agrees with the cluster's own CLUSTER KEYSLOT", async () => {
    const [host, port] = clusterNodes()[0]
      ? [clusterNodes()[0]!.host, clusterNodes()[0]!.port]
      : ["", 0];
    const c = new Redis({ host, port });
    try {
      const keys = [
        "",
        "a",
        "sr:{s:abc}:st",
        "sr:{i:42}",
        "{}x",
        "x{}y{z}",
        "Köln, Germany",
        "{g}:pop",
        "{{a}}",
      ];
      for (let i = 0; i < 200; i++) keys.push(uid("k"));
      for (const k of keys)
        expect(keySlot(k), k).toBe(Number(await c.call("CLUSTER", "KEYSLOT", k)));
    } finally {
      c.disconnect();
    }
  });

  it("an event's writes are grouped per slot, the session's (or the guard's) first", () => {
    const groups = groupBySlot([
      { op: "hincr", key: "p:{s:1}:st", field: "step", by: 1 },
      { op: "hincr", key: "p:{i:9}", field: "t1", by: 1 },
      { op: "lpush", key: "p:{s:1}:rc", value: "x", cap: 5 },
      { op: "zincr", key: "p:{g}:pop", member: "9", by: 1, cap: 5 },
    ]);
    expect(groups.map((g) => g.map((o) => o.key))).toEqual([
      ["p:{s:1}:st", "p:{s:1}:rc"],
      ["p:{i:9}"],
      ["p:{g}:pop"],
    ]);
  });
});

/** Two replicas of the service on one Redis Cluster (the run's shared one). */
describe("two instances on a Redis Cluster", () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const REDIS_PREFIX = uniquePrefix();
    [a, b] = await Promise.all([
      startTestServer("cluster", { REDIS_PREFIX }),
      startTestServer("cluster", { REDIS_PREFIX }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it("/ready reports the cluster store", async () => {
    const res = await fetch(`${a.origin}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, store: "cluster" });
  });

  it.each(TRANSPORTS)(
    "an event sent to A is pushed to a %s subscriber of B (sharded pub/sub)",
    async (transport) => {
      // Sessions on every master: their channels live on different nodes.
      const sessions = Array.from({ length: 6 }, () => sessionEvents(uid("s")));
      const feeds = await Promise.all(
        sessions.map((s) => openFeed(transport, b.url, { sessionId: s.sessionId })),
      );
      try {
        for (const f of feeds) await f.nextList();
        for (const [i, s] of sessions.entries()) {
          const shown = await gqlOk(a.url, TrackEventDocument, {
            event: s.impressions(["k1", "k2", "k3"]),
          });
          expect(await feeds[i]!.nextList()).toEqual(shown.trackEvent.recommendations);
          const image = await gqlOk(a.url, TrackEventDocument, {
            event: s.item("ITEM_IMAGE", "k3"),
          });
          const pushed = await feeds[i]!.nextList();
          expect(pushed.version).toBe(image.trackEvent.recommendations.version);
          expect(pushed.items.map((x) => x.itemId)).toEqual(["k3", "k1", "k2"]);
        }
        const channels = new Set(
          sessions.map((s) => keySlot(a.server.services.deps.keys.sessionChannel(s.sessionId))),
        );
        expect(channels.size).toBe(sessions.length);
      } finally {
        await Promise.all(feeds.map((f) => f.close()));
      }
      for (let i = 0; i < 100 && b.store.subscriptionCount() > 0; i++) await sleep(20);
      expect(b.store.subscriptionCount()).toBe(0);
    },
  );
});

/**
 * A master fails over (CLUSTER FAILOVER on its replica) while events flow into instance A
 * and subscribers listen on instance B. Every acknowledged event must be found afterwards,
 * and the subscribers of a session whose slot moved keep receiving its lists.
 */
describe("failover of a master under traffic", () => {
  let cluster: RedisClusterHandle;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const nodes = cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port }));
    const REDIS_PREFIX = uniquePrefix();
    [a, b] = await Promise.all([
      startTestServer("cluster", { REDIS_PREFIX }, { clusterNodes: nodes }),
      startTestServer("cluster", { REDIS_PREFIX }, { clusterNodes: nodes }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.stop();
  });

  it("loses no acknowledged event, recovers by itself, and subscribers keep receiving", async () => {
    const s = sessionEvents(uid("watched"));
    const keys = a.server.services.deps.keys;
    const feeds: Feed[] = await Promise.all(
      TRANSPORTS.map((t) => openFeed(t, b.url, { sessionId: s.sessionId })),
    );
    for (const f of feeds) await f.nextList();
    const shown = await gqlOk(a.url, TrackEventDocument, {
      event: s.impressions(["w1", "w2", "w3"]),
    });
    for (const f of feeds)
      expect((await f.nextList()).version).toBe(shown.trackEvent.recommendations.version);

    // The master serving the watched session's slot, and its replica.
    const slot = keySlot(keys.sessionChannel(s.sessionId));
    const any = cluster.connect(cluster.nodes[0]!.port);
    const ranges = (await any.call("CLUSTER", "SLOTS")) as [
      number,
      number,
      [string, number],
      [string, number]?,
    ][];
    const range = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)!;
    const masterPort = range[2][1];
    const replicaPort = range[3]![1];

    const traffic = startTraffic(a.url, 12);
    await sleep(800);
    const before = traffic.answered();
    const t0 = Date.now();
    expect(await cluster.connect(replicaPort).call("CLUSTER", "FAILOVER")).toBe("OK");
    // Wait until the cluster has switched the slot to the former replica.
    for (;;) {
      const now = (await any.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
      if (now.find(([lo, hi]) => slot >= lo && slot <= hi)?.[2][1] === replicaPort) break;
      if (Date.now() - t0 > 15_000) throw new Error("failover did not happen within 15 s");
      await sleep(20);
    }
    const switchedMs = Date.now() - t0;
    await cluster.waitOk();
    await sleep(1500);
    const result = await traffic.stop();

    const report = await audit(a.store, keys, result);
    const figures = {
      switchedMs,
      eventsBeforeFailover: before,
      acked: report.acked,
      failed: report.failed,
      failedButApplied: report.failedButApplied,
      lost: report.lost.length,
      codes: result.codes,
      maxLatencyMs: result.maxLatencyMs,
      oldMaster: masterPort,
      newMaster: replicaPort,
    };
    console.log(`cluster failover figures: ${JSON.stringify(figures)}`);
    expect(report.lost).toEqual([]);
    expect(report.acked).toBeGreaterThan(100);
    // Failed events, if any, carry the retryable code (never a masked internal error).
    for (const code of Object.keys(result.codes)) expect(code).toBe("SERVICE_UNAVAILABLE");

    // Recovered by itself: new events are acknowledged, on the new master too.
    const image = await gqlOk(a.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "w3") });
    expect(image.trackEvent.published).toBe(true);
    // Subscribers of the moved slot keep receiving: after a resync (the current list
    // again), the list pushed by that event arrives on both transports.
    for (const f of feeds) {
      for (;;) {
        const l = await f.nextList(10_000);
        if (l.version === image.trackEvent.recommendations.version) {
          expect(l.items[0]?.itemId).toBe("w3");
          break;
        }
        expect(l.version).toBeLessThan(image.trackEvent.recommendations.version);
      }
    }
    await Promise.all(feeds.map((f) => f.close()));
    expect((await fetch(`${a.origin}/ready`)).status).toBe(200);
    expect((await fetch(`${b.origin}/ready`)).status).toBe(200);
  }, 60_000);
});
