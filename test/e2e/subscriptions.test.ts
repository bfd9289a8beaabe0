import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventInput } from "../../src/generated/graphql.ts";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { type Feed, openFeed, TRANSPORTS } from "../support/feed.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

/** How long "no message" is waited for. Pushes arrive within a few ms on loopback. */
const QUIET_MS = 300;

describe.each(STORE_KINDS)("RecommendationsFeed subscription (%s store)", (kind) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer(kind);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const track = async (event: EventInput) =>
    (await gqlOk(ts.url, TrackEventDocument, { event })).trackEvent;

  describe.each(TRANSPORTS)("over %s", (transport) => {
    const feeds: Feed[] = [];
    const open = async (sessionId: string, limit?: number) => {
      const f = await openFeed(transport, ts.url, { sessionId, limit });
      feeds.push(f);
      return f;
    };
    afterAll(async () => {
      await Promise.all(feeds.map((f) => f.close()));
    });

    it("pushes the current list at once, then each reordered list, and nothing when the order holds", async () => {
      const s = sessionEvents(uid("s"));
      const items = ["a", "b", "c", "d", "e"].map((x) => `${x}-${s.sessionId}`);
      const feed = await open(s.sessionId);

      // At once: the (empty) session's current list.
      const initial = await feed.nextList();
      expect(initial).toMatchObject({
        sessionId: s.sessionId,
        version: 0,
        trigger: null,
        source: "NEXT_ITEM",
      });

      // The list is shown: pushed in shown order.
      const shown = await track(s.impressions(items));
      expect(shown.published).toBe(true);
      const m1 = await feed.nextList();
      expect(m1.version).toBe(shown.recommendations.version);
      expect(m1.version).toBeGreaterThan(initial.version);
      expect(m1.trigger).toBe("IMPRESSIONS");
      expect(m1.items.map((i) => i.itemId)).toEqual(items);

      // The visitor looks at the last item's images: it moves to rank 1.
      const image = await track(s.item("ITEM_IMAGE", items[4]!));
      expect(image.published).toBe(true);
      const m2 = await feed.nextList();
      expect(m2.version).toBe(m1.version + 1);
      expect(m2.trigger).toBe("ITEM_IMAGE");
      expect(m2.items[0]).toMatchObject({ itemId: items[4], rank: 1 });
      expect(m2.items.map((i) => i.itemId)).toEqual([items[4], ...items.slice(0, 4)]);
      expect(m2).toEqual(image.recommendations);

      // Looking again at the same item keeps the order: not published, nothing pushed.
      const again = await track(s.item("ITEM_IMAGE", items[4]!));
      expect(again.published).toBe(false);
      expect(again.recommendations.version).toBe(m2.version);
      await feed.expectNothing(QUIET_MS);

      // The stream is still alive: the next reorder arrives, one version later.
      const info = await track(s.item("ITEM_INFO", items[1]!));
      expect(info.published).toBe(true);
      const m3 = await feed.nextList();
      expect(m3.version).toBe(m2.version + 1);
      expect(m3.items[0]?.itemId).toBe(items[1]);
    });

    it("starts a subscriber on a live session with its current list and version", async () => {
      const s = sessionEvents(uid("s"));
      await track(s.impressions(["x", "y", "z"]));
      const last = await track(s.item("CLICKOUT", "z"));
      const feed = await open(s.sessionId);
      const first = await feed.nextList();
      expect(first.version).toBe(last.recommendations.version);
      expect(first.items.map((i) => i.itemId)).toEqual(
        last.recommendations.items.map((i) => i.itemId),
      );
      await feed.expectNothing(100);
    });

    it("cuts every pushed list to `limit`, and serves several subscribers of one session", async () => {
      const s = sessionEvents(uid("s"));
      const items = ["p", "q", "r", "t"];
      const short = await open(s.sessionId, 2);
      const full = await open(s.sessionId);
      await short.nextList();
      await full.nextList();
      await track(s.impressions(items));
      expect((await short.nextList()).items.map((i) => i.itemId)).toEqual(["p", "q"]);
      expect((await full.nextList()).items).toHaveLength(4);

      // One subscriber leaving does not end the other's feed (the channel is shared).
      await short.close();
      await track(s.item("ITEM_IMAGE", "t"));
      expect((await full.nextList()).items.map((i) => i.itemId)).toEqual(["t", "p", "q", "r"]);
    });

    it("does not mix sessions: a subscriber sees only its own session's lists", async () => {
      const a = sessionEvents(uid("a"));
      const b = sessionEvents(uid("b"));
      const feedA = await open(a.sessionId);
      await feedA.nextList();
      await track(b.impressions(["m", "n"]));
      await track(b.item("ITEM_IMAGE", "n"));
      await feedA.expectNothing(QUIET_MS);
    });

    it("reports bad arguments as BAD_USER_INPUT on the stream", async () => {
      const feed = await open("has space");
      const result = await feed.next();
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toContain("sessionId");
    });
  });

  it("also streams over SSE with GET", async () => {
    const s = sessionEvents(uid("s"));
    const feed = await openFeed("sse", ts.url, { sessionId: s.sessionId }, { method: "GET" });
    try {
      expect((await feed.nextList()).version).toBe(0);
      await track(s.impressions(["g1", "g2"]));
      expect((await feed.nextList()).items.map((i) => i.itemId)).toEqual(["g1", "g2"]);
    } finally {
      await feed.close();
    }
  });
});
