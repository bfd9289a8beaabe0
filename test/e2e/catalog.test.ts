import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventInput,
  ItemsDocument,
  RecommendationsDocument,
  RemoveItemsDocument,
  SimilarItemsDocument,
  TrackEventDocument,
  UpsertItemsDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { type Feed, openFeed, TRANSPORTS } from "../support/feed.ts";
import { gql, gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

const QUIET_MS = 300;

describe.each(STORE_KINDS)("item catalogue and business rules over HTTP (%s store)", (kind) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer(kind);
  });
  afterAll(async () => {
    await ts?.close();
  });
  const track = async (event: EventInput) =>
    (await gqlOk(ts.url, TrackEventDocument, { event })).trackEvent;

  /** Six items a-f (suffixed): a,b,d in Rome with Pool; c,e in Milan; f without metadata. */
  const catalogue = async () => {
    const x = uid("i");
    const id = (c: string) => `${c}-${x}`;
    const r = await gqlOk(ts.url, UpsertItemsDocument, {
      items: [
        {
          itemId: id("a"),
          properties: ["Pool", "Spa"],
          city: `Rome-${x}`,
          attributes: [{ name: "stars", value: 3 }],
        },
        { itemId: id("b"), properties: ["Pool"], city: `Rome-${x}` },
        { itemId: id("c"), properties: ["Spa"], city: `Milan-${x}` },
        { itemId: id("d"), properties: ["Pool", "Gym"], city: `Rome-${x}` },
        { itemId: id("e"), properties: ["Gym"], city: `Milan-${x}` },
      ],
    });
    expect(r.upsertItems).toEqual({ upserted: 5, created: 5 });
    return { id, x, ids: ["a", "b", "c", "d", "e", "f"].map(id) };
  };

  it("upsertItems / items / removeItems round-trip, and bad input names every field", async () => {
    const { id } = await catalogue();
    const got = await gqlOk(ts.url, ItemsDocument, { itemIds: [id("a"), id("f")] });
    expect(got.items).toEqual([
      {
        itemId: id("a"),
        properties: ["Pool", "Spa"],
        city: expect.stringMatching(/^Rome-/),
        attributes: [{ name: "stars", value: 3 }],
      },
      null,
    ]);
    const bad = await gql(ts.url, UpsertItemsDocument, {
      items: [{ itemId: "x y", properties: ["a|b"], attributes: [{ name: "1", value: 1 }] }],
    });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(
      ((bad.errors?.[0]?.extensions?.fields ?? []) as { field: string }[]).map((f) => f.field),
    ).toEqual(["items[0].itemId", "items[0].properties[0]", "items[0].attributes[0].name"]);
    expect(
      (await gqlOk(ts.url, RemoveItemsDocument, { itemIds: [id("a"), id("f")] })).removeItems,
    ).toEqual({ removed: 1 });
    expect((await gqlOk(ts.url, ItemsDocument, { itemIds: [id("a")] })).items).toEqual([null]);
  });

  it("recommendations take filter and pin; bad rules are BAD_USER_INPUT", async () => {
    const { ids, x } = await catalogue();
    const s = sessionEvents(uid("s"));
    await track(s.impressions(ids));
    const r = await gqlOk(ts.url, RecommendationsDocument, {
      sessionId: s.sessionId,
      filter: { city: `Rome-${x}`, boost: [{ property: "gym", weight: 5 }] },
      // f has no city: the city filter wins over its pin.
      pin: [
        { itemId: ids[1]!, position: 1 },
        { itemId: ids[5]!, position: 2 },
      ],
    });
    expect(r.recommendations.items.map((i) => i.itemId)).toEqual([ids[1], ids[3], ids[0]]);
    const bad = await gql(ts.url, RecommendationsDocument, {
      sessionId: s.sessionId,
      filter: { boost: [{ weight: 1 }] },
      pin: [{ itemId: ids[0]!, position: 0 }],
    });
    expect(
      ((bad.errors?.[0]?.extensions?.fields ?? []) as { field: string }[]).map((f) => f.field),
    ).toEqual(["filter.boost[0]", "pin[0].position"]);
  });

  it("similarItems gives an item with no history neighbours by its properties", async () => {
    const x = uid("p");
    const id = (c: string) => `${c}-${x}`;
    const [pool, spa, gym] = ["Pool", "Spa", "Gym"].map((p) => `${p} ${x}`);
    await gqlOk(ts.url, UpsertItemsDocument, {
      items: [
        { itemId: id("a"), properties: [pool!, spa!] },
        { itemId: id("b"), properties: [pool!] },
        { itemId: id("c"), properties: [spa!] },
        { itemId: id("d"), properties: [pool!, gym!] },
      ],
    });
    const r = await gqlOk(ts.url, SimilarItemsDocument, { itemId: id("b"), limit: 3 });
    // b = {pool}: a {pool, spa} and d {pool, gym} share it (Jaccard 1/2); c does not.
    expect(r.similarItems.map((i) => i.itemId).sort()).toEqual([id("a"), id("d")].sort());
    expect(
      (await gqlOk(ts.url, SimilarItemsDocument, { itemId: id("b"), contentWeight: 0 }))
        .similarItems,
    ).toEqual([]);
  });

  describe.each(TRANSPORTS)("filtered subscriptions over %s", (transport) => {
    const feeds: Feed[] = [];
    afterAll(async () => {
      await Promise.all(feeds.map((f) => f.close()));
    });
    const open = async (variables: Parameters<typeof openFeed>[2]) => {
      const f = await openFeed(transport, ts.url, variables);
      feeds.push(f);
      return f;
    };

    // With event ids, events take the idempotency guard's path through the engine.
    it.each([
      ["without", false],
      ["with", true],
    ])(
      "excludeSeen: an item stops being pushed right after its clickout, even when the order holds (events %s ids)",
      async (_label, withIds) => {
        const { ids } = await catalogue();
        const plain = sessionEvents(uid("s"));
        let n = 0;
        const extra = () => (withIds ? { eventId: `${plain.sessionId}-e${++n}` } : {});
        const s = {
          sessionId: plain.sessionId,
          impressions: (items: string[]) => plain.impressions(items, undefined, extra()),
          item: (type: Parameters<typeof plain.item>[0], itemId: string) =>
            plain.item(type, itemId, extra()),
        };
        const feed = await open({ sessionId: s.sessionId, filter: { excludeSeen: true } });
        expect((await feed.nextList()).source).toBe("NEXT_ITEM");
        await track(s.impressions(ids));
        expect((await feed.nextList()).items.map((i) => i.itemId)).toEqual(ids);
        // The visitor looks at c: c moves to the top of the session's list.
        const image = await track(s.item("ITEM_IMAGE", ids[2]!));
        expect(image.published).toBe(true);
        const afterImage = (await feed.nextList()).items.map((i) => i.itemId);
        expect(afterImage[0]).toBe(ids[2]);
        // Clicking out c keeps it on top of the session's ranked order...
        const click = await track(s.item("CLICKOUT", ids[2]!));
        expect(click.recommendations.items[0]!.itemId).toBe(ids[2]);
        // ...but this subscriber never sees c again.
        const afterClick = (await feed.nextList()).items.map((i) => i.itemId);
        expect(afterClick).toEqual(afterImage.filter((i) => i !== ids[2]));
        await track(s.item("ITEM_INFO", ids[2]!));
        await track(s.item("ITEM_INFO", ids[4]!));
        const later = (await feed.nextList()).items.map((i) => i.itemId);
        expect(later[0]).toBe(ids[4]);
        expect(later).not.toContain(ids[2]);
      },
    );

    it("pushes a filtered view only when it changed", async () => {
      const { ids, x } = await catalogue();
      const s = sessionEvents(uid("s"));
      await track(s.impressions(ids));
      const feed = await open({ sessionId: s.sessionId, limit: 5, filter: { city: `Milan-${x}` } });
      expect((await feed.nextList()).items.map((i) => i.itemId)).toEqual([ids[2], ids[4]]);
      // f (no city) moves up: the session's order changes, this view does not.
      expect((await track(s.item("ITEM_IMAGE", ids[5]!))).published).toBe(true);
      await feed.expectNothing(QUIET_MS);
      // e moves above c: the view changes.
      await track(s.item("ITEM_IMAGE", ids[4]!));
      expect((await feed.nextList()).items.map((i) => i.itemId)).toEqual([ids[4], ids[2]]);
    });
  });
});
