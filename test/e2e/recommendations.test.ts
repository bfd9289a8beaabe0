import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ModelDocument,
  PopularItemsDocument,
  RecommendationsDocument,
  SimilarItemsDocument,
  TrackEventDocument,
  TrackEventsDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { gqlErrors, gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

describe.each(STORE_KINDS)(
  "recommendations, similarItems, popularItems over HTTP (%s store)",
  (kind) => {
    let ts: TestServer;
    beforeAll(async () => {
      ts = await startTestServer(kind);
    });
    afterAll(async () => {
      await ts?.close();
    });

    const recommend = async (sessionId: string, candidates?: string[], limit?: number) =>
      (await gqlOk(ts.url, RecommendationsDocument, { sessionId, candidates, limit }))
        .recommendations;

    /** A session that was shown h1..h5 and looked at the images of h4. */
    async function browsingSession() {
      const s = sessionEvents(uid("s"));
      const shown = ["h1", "h2", "h3", "h4", "h5"].map((h) => `${h}-${s.sessionId}`);
      await gqlOk(ts.url, TrackEventDocument, { event: s.impressions(shown) });
      const after = await gqlOk(ts.url, TrackEventDocument, {
        event: s.item("ITEM_IMAGE", shown[3]!),
      });
      return { s, shown, list: after.trackEvent.recommendations };
    }

    it("reranks the given candidates (only them, the touched one first)", async () => {
      const { s, shown } = await browsingSession();
      const unseen = uid("new");
      const r = await recommend(s.sessionId, [shown[1]!, shown[3]!, unseen]);
      expect(r).toMatchObject({
        sessionId: s.sessionId,
        source: "RERANK",
        model: "hand-weighted-v1",
        version: 2,
      });
      expect(r.items.map((i) => i.itemId)).toEqual([shown[3], shown[1], unseen]);
      expect(r.items.map((i) => i.rank)).toEqual([1, 2, 3]);
    });

    it("without candidates, reranks the session's shown list (what the last event published)", async () => {
      const { s, shown, list } = await browsingSession();
      const r = await recommend(s.sessionId);
      expect(r.source).toBe("RERANK");
      expect(r.trigger).toBe("ITEM_IMAGE");
      expect(r.version).toBe(list.version);
      expect(r.items.map((i) => i.itemId)).toEqual([
        shown[3],
        shown[0],
        shown[1],
        shown[2],
        shown[4],
      ]);
      expect(r.items).toEqual(list.items);
      const top2 = await recommend(s.sessionId, undefined, 2);
      expect(top2.items.map((i) => i.itemId)).toEqual([shown[3], shown[0]]);
    });

    it("with no list shown, recommends next items: co-visited ones first, then popular ones", async () => {
      const [i1, i2, i3] = [uid("i1"), uid("i2"), uid("i3")];
      // Another session looks at i1, i2, i3 in turn: i1-i2 co-visited at distance 1, i1-i3 at 2.
      const other = sessionEvents(uid("other"));
      await gqlOk(ts.url, TrackEventsDocument, {
        events: [
          other.item("ITEM_IMAGE", i1),
          other.item("ITEM_IMAGE", i2),
          other.item("ITEM_IMAGE", i3),
        ],
      });
      const similar = await gqlOk(ts.url, SimilarItemsDocument, { itemId: i1, limit: 10 });
      expect(similar.similarItems).toEqual([
        { itemId: i2, score: 1 },
        { itemId: i3, score: 0.5 },
      ]);

      const s = sessionEvents(uid("s"));
      await gqlOk(ts.url, TrackEventDocument, { event: s.item("ITEM_INFO", i1) });
      const r = await recommend(s.sessionId, undefined, 10);
      expect(r.source).toBe("NEXT_ITEM");
      expect(r.model).toBe("next-item");
      expect(r.items.slice(0, 2).map((i) => [i.itemId, i.reasons])).toEqual([
        [i2, [`covisited_with:${i1}`]],
        [i3, [`covisited_with:${i1}`]],
      ]);
      const firstPopular = r.items.findIndex((i) => !i.reasons[0]?.startsWith("covisited_with:"));
      const lastCovisited = r.items.findLastIndex((i) =>
        i.reasons[0]?.startsWith("covisited_with:"),
      );
      expect(firstPopular === -1 || lastCovisited < firstPopular).toBe(true);
      for (let k = 1; k < r.items.length; k++)
        expect(r.items[k]!.score).toBeLessThanOrEqual(r.items[k - 1]!.score);
    });

    it("for an unknown session: version 0, no trigger, next items", async () => {
      const r = await recommend(uid("nobody"));
      expect(r).toMatchObject({ version: 0, trigger: null, source: "NEXT_ITEM" });
    });

    it("popularItems ranks a city's items by weighted interactions (a clickout counts three)", async () => {
      const city = `Town ${uid("c")}`;
      const [a, b] = [uid("a"), uid("b")];
      const s = sessionEvents(uid("s"));
      await gqlOk(ts.url, TrackEventsDocument, {
        events: [
          s.item("ITEM_IMAGE", a, { city }),
          s.item("ITEM_IMAGE", a, { city }),
          s.item("CLICKOUT", b, { city }),
        ],
      });
      const { popularItems } = await gqlOk(ts.url, PopularItemsDocument, { city, limit: 5 });
      expect(popularItems).toEqual([
        { itemId: b, score: 3 },
        { itemId: a, score: 2 },
      ]);
      const global = await gqlOk(ts.url, PopularItemsDocument, { limit: 500 });
      expect(global.popularItems.map((p) => p.itemId)).toEqual(expect.arrayContaining([a, b]));
    });

    it("names the scorer in use", async () => {
      expect((await gqlOk(ts.url, ModelDocument, {})).model).toBe("hand-weighted-v1");
    });

    it("rejects bad arguments with BAD_USER_INPUT naming them", async () => {
      const dup = await gqlErrors(ts.url, RecommendationsDocument, {
        sessionId: "s",
        candidates: ["a", "b", "a"],
      });
      expect(dup.errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(dup.errors[0]?.message).toContain("candidates[2]");
      const limit = await gqlErrors(ts.url, RecommendationsDocument, { sessionId: "s", limit: 0 });
      expect(limit.errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(limit.errors[0]?.message).toContain("limit");
      const id = await gqlErrors(ts.url, SimilarItemsDocument, { itemId: "a{b}" });
      expect(id.errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(id.errors[0]?.message).toContain("itemId");
    });
  },
);
