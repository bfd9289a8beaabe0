import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SessionDocument,
  TrackEventDocument,
  TrackEventsDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { openFeed, TRANSPORTS } from "../support/feed.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * Two replicas of the service behind a load balancer: separate processes in production,
 * here two servers with their own RedisStore (own connections) on one Redis and prefix.
 * A client's events and its subscription may land on different replicas.
 */
describe("two instances on one Redis", () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const REDIS_PREFIX = uniquePrefix();
    [a, b] = await Promise.all([
      startTestServer("redis", { REDIS_PREFIX }),
      startTestServer("redis", { REDIS_PREFIX }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  describe.each(TRANSPORTS)("subscriber over %s", (transport) => {
    it("gets, on instance B, the lists produced by events sent to instance A (and back)", async () => {
      const s = sessionEvents(uid("s"));
      const onB = await openFeed(transport, b.url, { sessionId: s.sessionId });
      const onA = await openFeed(transport, a.url, { sessionId: s.sessionId });
      try {
        await onB.nextList();
        await onA.nextList();

        const shown = await gqlOk(a.url, TrackEventDocument, {
          event: s.impressions(["k1", "k2", "k3"]),
        });
        const fromA = await onB.nextList();
        expect(fromA).toEqual(shown.trackEvent.recommendations);
        expect(await onA.nextList()).toEqual(fromA);

        // The next event goes to B; the version keeps counting across instances.
        const image = await gqlOk(b.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "k3") });
        expect(image.trackEvent.recommendations.version).toBe(fromA.version + 1);
        const fromB = await onA.nextList();
        expect(fromB.items.map((i) => i.itemId)).toEqual(["k3", "k1", "k2"]);
        expect(await onB.nextList()).toEqual(fromB);

        // An order-keeping event on A publishes nothing anywhere.
        const again = await gqlOk(a.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "k3") });
        expect(again.trackEvent.published).toBe(false);
        await Promise.all([onA.expectNothing(300), onB.expectNothing(300)]);
      } finally {
        await Promise.all([onA.close(), onB.close()]);
      }
    });
  });

  it("shares all state: a batch written through A is read back through B", async () => {
    const s = sessionEvents(uid("s"));
    await gqlOk(a.url, TrackEventsDocument, {
      events: [s.impressions(["m1", "m2"]), s.item("ITEM_INFO", "m2"), s.item("ITEM_IMAGE", "m2")],
    });
    const { session } = await gqlOk(b.url, SessionDocument, { id: s.sessionId });
    expect(session?.steps).toBe(3);
    expect(session?.touchedItems[0]).toMatchObject({ itemId: "m2", touches: 2 });
  });
});
