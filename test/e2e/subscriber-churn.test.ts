import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { eventually } from "../support/eventually.ts";
import { type Feed, openFeed } from "../support/feed.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";
import { wsClient } from "../support/ws-client.ts";

const SESSIONS = 10;
const SSE = 50;
/** WebSocket subscribers with a connection each, closed by completing the subscription. */
const WS_OWN = 25;
/** WebSocket subscribers multiplexed 5 to a connection, dropped by closing the connection. */
const WS_SHARED = 25;
const PER_SHARED_CONNECTION = 5;

describe.each(STORE_KINDS)("many subscribers come and go (%s store)", (kind) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer(kind);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const counts = () => ({
    feeds: ts.server.feeds.activeCount,
    channels: ts.store.subscriptionCount(),
    watched: ts.server.services.watches.count,
  });
  // The same sessions in both rounds: round 2 subscribes again to channels that round 1
  // unsubscribed (on Redis: SUBSCRIBE queued behind the UNSUBSCRIBE of the same channel).
  const sessions = Array.from({ length: SESSIONS }, () => sessionEvents(uid("s")));

  it.each([1, 2])(
    "round %i: 50 SSE + 50 WebSocket subscribers all get their session's list, and leave nothing behind",
    async (round) => {
      const sessionFor = (i: number) => sessions[i % SESSIONS]!;
      const shared = Array.from({ length: WS_SHARED / PER_SHARED_CONNECTION }, () =>
        wsClient(ts.url),
      );

      const sse = await Promise.all(
        Array.from({ length: SSE }, (_, i) =>
          openFeed("sse", ts.url, { sessionId: sessionFor(i).sessionId }),
        ),
      );
      const wsOwn = await Promise.all(
        Array.from({ length: WS_OWN }, (_, i) =>
          openFeed("ws", ts.url, { sessionId: sessionFor(i).sessionId }),
        ),
      );
      const wsShared = await Promise.all(
        Array.from({ length: WS_SHARED }, (_, i) =>
          openFeed(
            "ws",
            ts.url,
            { sessionId: sessionFor(i + 3).sessionId },
            { wsClient: shared[i % shared.length] },
          ),
        ),
      );
      const all: [Feed, number][] = [
        ...sse.map((f, i): [Feed, number] => [f, i % SESSIONS]),
        ...wsOwn.map((f, i): [Feed, number] => [f, i % SESSIONS]),
        ...wsShared.map((f, i): [Feed, number] => [f, (i + 3) % SESSIONS]),
      ];

      try {
        // Everyone is live once it has its current list.
        await Promise.all(all.map(([f]) => f.nextList(5000)));
        expect(counts()).toEqual({
          feeds: SSE + WS_OWN + WS_SHARED,
          channels: SESSIONS,
          watched: SESSIONS,
        });

        // One event per session reaches every subscriber of that session, and only them.
        const shown = await Promise.all(
          sessions.map((s, k) =>
            gqlOk(ts.url, TrackEventDocument, {
              event: s.impressions([`a${k}`, `b${k}`, `c${k}`].map((x) => `${x}-r${round}`)),
            }),
          ),
        );
        await Promise.all(
          all.map(async ([f, k]) => {
            const list = await f.nextList(5000);
            expect(list.sessionId).toBe(sessions[k]!.sessionId);
            expect(list.version).toBe(shown[k]!.trackEvent.recommendations.version);
            expect(list.version).toBe(round);
          }),
        );
      } finally {
        // SSE: the client aborts the request. WS: half complete their subscription and
        // close their socket; the other half lose their shared socket mid-subscription.
        await Promise.all([
          ...sse.map((f) => f.close()),
          ...wsOwn.map((f) => f.close()),
          ...shared.map((c) => c.close()),
        ]);
      }

      await eventually(() => expect(counts()).toEqual({ feeds: 0, channels: 0, watched: 0 }), 2000);
    },
  );

  it("still serves a new subscriber after the churn", async () => {
    const s = sessionEvents(uid("s"));
    const feed = await openFeed("sse", ts.url, { sessionId: s.sessionId });
    try {
      await feed.nextList();
      await gqlOk(ts.url, TrackEventDocument, { event: s.impressions(["x", "y"]) });
      expect((await feed.nextList()).items.map((i) => i.itemId)).toEqual(["x", "y"]);
    } finally {
      await feed.close();
    }
    await eventually(() => expect(counts()).toEqual({ feeds: 0, channels: 0, watched: 0 }));
  });
});
