import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { TrackEventDocument, TrackEventsDocument } from "../../src/generated/graphql.ts";
import type { ReadOp } from "../../src/state/store.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { type Feed, openFeed } from "../support/feed.ts";
import { gql, gqlOk } from "../support/graphql-client.ts";
import { rawSubscriber, refused } from "../support/raw-ws.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORE_KINDS)("graceful shutdown (%s store)", (kind) => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.close();
    ts = undefined;
  });

  it("lets in-flight trackEvents finish and applies them, cuts SSE streams, closes WebSockets with 1001, refuses new connections and releases every subscription", async () => {
    ts = await startTestServer(kind);
    const { server, store } = ts;
    const watched = sessionEvents(uid("shutdown-watched"));
    await gqlOk(ts.url, TrackEventDocument, { event: watched.impressions(["a", "b", "c"]) });

    // Subscribers: two SSE (POST and GET) and two WebSocket (a graphql-ws client and a bare one).
    const sse: Feed[] = [
      await openFeed("sse", ts.url, { sessionId: watched.sessionId }),
      await openFeed("sse", ts.url, { sessionId: watched.sessionId }, { method: "GET" }),
    ];
    const gws = await openFeed("ws", ts.url, { sessionId: watched.sessionId });
    for (const f of [...sse, gws]) await f.nextList();
    const raw = await rawSubscriber(ts.url, watched.sessionId);
    expect(server.feeds.activeCount).toBe(4);

    // Slow store reads from now on: every trackEvents below is still running at close().
    const read = store.read.bind(store);
    let reading = 0;
    store.read = async (reads: readonly ReadOp[]) => {
      reading++;
      await sleep(300);
      return read(reads);
    };
    const batches = Array.from({ length: 6 }, () => {
      const s = sessionEvents(uid("shutdown-inflight"));
      return {
        sessionId: s.sessionId,
        events: [
          s.impressions(["x1", "x2", "x3"]),
          s.item("ITEM_IMAGE", "x2"),
          s.item("ITEM_INFO", "x3"),
        ],
      };
    });
    const requests = batches.map((b) => gql(ts!.url, TrackEventsDocument, { events: b.events }));
    // Every batch has reached the server and is inside its first store read (a fixed sleep
    // was too short on a loaded machine: a request then arrived after close() began).
    await eventually(() => expect(reading).toBeGreaterThanOrEqual(batches.length), 10_000);

    const t0 = Date.now();
    const closed = server.close();
    // New connections are refused as soon as close() began.
    expect(await refused(server.port)).toBe(true);

    // In-flight requests complete with success.
    const answers = await Promise.all(requests);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.errors).toBeUndefined();
      expect(a.data?.trackEvents.accepted).toBe(3);
    }

    // SSE streams end (cut, without `complete`, so that clients reconnect elsewhere).
    for (const f of sse) await expect(f.next(5000)).rejects.toThrow(/closed the stream|failed/);
    // WebSocket clients get 1001 Going away.
    await expect(gws.next(5000)).rejects.toThrow(/socket error 1001/);
    const rawClose = await raw.closed;
    expect(rawClose.code).toBe(1001);
    expect(rawClose.reason).toBe("Going away");

    await closed;
    const closeMs = Date.now() - t0;
    expect(await refused(server.port)).toBe(true);

    // Every acknowledged event is applied (the store is still open: main.ts closes it after).
    store.read = read;
    for (const b of batches) {
      const snap = await server.engine.snapshot(b.sessionId);
      expect(snap.step).toBe(3);
      expect(snap.items.get("x2")).toBeDefined();
      expect(snap.items.get("x3")).toBeDefined();
    }
    // Every subscription is released.
    expect(server.feeds.activeCount).toBe(0);
    await eventually(() => expect(store.subscriptionCount()).toBe(0));
    console.log(`shutdown figures: ${JSON.stringify({ kind, closeMs, inFlight: batches.length })}`);
    // In-flight requests took ~0.3-1 s; close() did not wait out every grace period.
    expect(closeMs).toBeLessThan(5000);
  });
});

describe.each(STORE_KINDS)("WebSocket heartbeat (%s store)", (kind) => {
  let ts: TestServer | undefined;
  afterEach(async () => {
    await ts?.close();
    ts = undefined;
  });

  it("terminates a client that never answers pings within ~2 intervals and releases its subscription; a client that answers stays", async () => {
    ts = await startTestServer(kind, { WS_HEARTBEAT_SECONDS: 1 });
    const { server, store } = ts;
    const sid = uid("heartbeat");
    await gqlOk(ts.url, TrackEventDocument, { event: sessionEvents(sid).impressions(["h1"]) });
    const baseline = store.subscriptionCount();
    expect(baseline).toBe(0);

    const silent = await rawSubscriber(ts.url, sid, { autoPong: false });
    const healthy = await rawSubscriber(ts.url, uid("heartbeat-ok"));
    const openedAt = Date.now();
    expect(server.feeds.activeCount).toBe(2);
    expect(store.subscriptionCount()).toBe(baseline + 2);

    // Terminated, not closed: the client sees an abnormal closure (no close frame).
    const c = await silent.closed;
    const afterMs = c.at - openedAt;
    expect(c.code).toBe(1006);
    expect(afterMs).toBeLessThanOrEqual(2 * 1000 + 500);
    await eventually(() => {
      expect(server.feeds.activeCount).toBe(1);
      expect(store.subscriptionCount()).toBe(baseline + 1);
    });

    // The client that answers pings is still open several intervals later.
    await sleep(3000 - (Date.now() - openedAt));
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
    healthy.socket.close(1000);
    await healthy.closed;
    await eventually(() => {
      expect(server.feeds.activeCount).toBe(0);
      expect(store.subscriptionCount()).toBe(baseline);
    });
    console.log(`heartbeat figures: ${JSON.stringify({ kind, terminatedAfterMs: afterMs })}`);
  });
});
