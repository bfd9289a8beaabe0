import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RecommendationsDocument, TrackEventsDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { gql, gqlOk } from "../support/graphql-client.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { type RawWs, rawSubscriber, refused } from "../support/raw-ws.ts";
import { freePort } from "../support/redis-server.ts";
import { canListen, dockerCmd, NPM_START, processTestbed } from "../support/service-process.ts";

/**
 * SIGTERM sent where a supervisor sends it: to the top process of `npm start` (systemd,
 * a terminal, a PaaS running the README's command) and to the Dockerfile's CMD (`docker
 * stop` signals PID 1; here the same command line runs as a plain child, as no Docker
 * engine is available to the tests). Each process tree is real and built as deployed;
 * the clients are real (HTTP, WebSocket). A private redis-server, paused with CLIENT PAUSE,
 * keeps requests in flight when the signal comes.
 */
const PAUSE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const bed = processTestbed();

const CASES = [NPM_START, dockerCmd()].flatMap((l) => [1, 2].map((workers) => ({ l, workers })));

describe.each(CASES)("SIGTERM to $l.name (WORKERS=$workers, Redis)", ({ l, workers }) => {
  it("finishes in-flight requests, closes WebSockets with 1001, exits 0 with nothing left, releases the port; a restart serves every acknowledged event", async () => {
    const port = await freePort();
    const env = {
      HOST: "127.0.0.1",
      PORT: port,
      REDIS_URL: bed.redis().url,
      REDIS_PREFIX: uniquePrefix(),
      WORKERS: workers,
      LOG_LEVEL: "info",
    };
    const url = `http://127.0.0.1:${port}/graphql`;
    const svc = bed.start(l, env);
    await svc.listening(workers);

    // Two WebSocket subscribers per worker (connections are handed out round-robin).
    const sockets: RawWs[] = [];
    for (let i = 0; i < 2 * workers; i++) sockets.push(await rawSubscriber(url, uid("sig-ws")));

    // Redis stops answering for a while: every batch below is in flight at the signal.
    const admin = new Redis(bed.redis().url);
    const batches = Array.from({ length: 6 }, () => {
      const s = sessionEvents(uid("sig-inflight"));
      const items = [uid("a"), uid("b"), uid("c")];
      return {
        sessionId: s.sessionId,
        items,
        events: [
          s.impressions(items),
          s.item("ITEM_IMAGE", items[1]!),
          s.item("ITEM_INFO", items[2]!),
        ],
      };
    });
    try {
      await admin.call("CLIENT", "PAUSE", String(PAUSE_MS), "ALL");
    } finally {
      admin.disconnect();
    }
    const pausedAt = Date.now();
    const requests = batches.map((b) => gql(url, TrackEventsDocument, { events: b.events }));
    await sleep(400);

    const t0 = Date.now();
    process.kill(svc.pid, "SIGTERM");
    // The port stops taking connections while the requests are still waiting on Redis.
    await eventually(async () => expect(await refused(port)).toBe(true), PAUSE_MS);
    const refusedMs = Date.now() - t0;
    expect(Date.now() - pausedAt).toBeLessThan(PAUSE_MS);

    const answers = await Promise.all(requests);
    const answeredAt = Date.now();
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.errors).toBeUndefined();
      expect(a.data?.trackEvents.accepted).toBe(3);
    }
    for (const s of sockets) {
      const c = await s.closed;
      expect(c.code).toBe(1001);
      expect(c.reason).toBe("Going away");
    }
    const exit = await svc.exited;
    expect(exit, svc.output()).toEqual(expect.objectContaining({ code: 0, signal: null }));
    const exitMs = exit.at - t0;
    const afterAnswersMs = exit.at - answeredAt;
    // Nothing of the tree is left (no orphaned worker or runtime), and the port is free.
    await eventually(() => expect(svc.groupAlive()).toBe(false));
    expect(await canListen(port)).toBe(true);

    // The same command on the same port starts and serves every acknowledged event.
    const again = bed.start(l, env);
    await again.listening(workers);
    for (const b of batches) {
      const { recommendations } = await gqlOk(url, RecommendationsDocument, {
        sessionId: b.sessionId,
      });
      expect(recommendations.source).toBe("RERANK");
      const order = recommendations.items.map((x) => x.itemId);
      expect([...order].sort()).toEqual([...b.items].sort());
      // The image and info views were applied: both items rank above the untouched one.
      expect(order[2]).toBe(b.items[0]);
    }
    const t1 = Date.now();
    process.kill(again.pid, "SIGTERM");
    const idle = await again.exited;
    expect(idle.code).toBe(0);
    const idleExitMs = idle.at - t1;
    await eventually(() => expect(again.groupAlive()).toBe(false));

    console.log(
      `signal figures: ${JSON.stringify({ launcher: l.name, workers, refusedMs, exitMs, afterAnswersMs, idleExitMs, inFlight: batches.length, sockets: sockets.length })}`,
    );
  }, 120_000);
});
