import type { GraphQLFormattedError } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventInput,
  type EventType,
  PopularItemsDocument,
  SessionDocument,
  TrackEventDocument,
  TrackEventsDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, T0, uid } from "../support/events.ts";
import { gqlErrors, gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

/** Small limits, so the limit cases stay small. */
const LIMITS = { MAX_IMPRESSIONS: 10, MAX_BATCH_SIZE: 5 };

/** The one error of a rejected request, checked to be a BAD_USER_INPUT naming `field`. */
function expectBadInput(errors: GraphQLFormattedError[], field: string): GraphQLFormattedError {
  expect(errors, JSON.stringify(errors)).toHaveLength(1);
  const [e] = errors;
  expect(e?.extensions?.code, JSON.stringify(e)).toBe("BAD_USER_INPUT");
  expect(e?.message).toContain(field);
  return e!;
}

describe.each(STORE_KINDS)("trackEvent / trackEvents over HTTP (%s store)", (kind) => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer(kind, LIMITS);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const sessionOf = async (id: string) => (await gqlOk(ts.url, SessionDocument, { id })).session;

  it("records events and answers with the session's new list; the session query shows the state", async () => {
    const s = sessionEvents(uid("s"));
    const shown = ["h1", "h2", "h3", "h4"];
    const first = await gqlOk(ts.url, TrackEventDocument, {
      event: s.impressions(shown, [120, 95, 143, 80], {
        userId: "u1",
        city: "Amsterdam, Netherlands",
      }),
    });
    expect(first.trackEvent).toMatchObject({
      accepted: true,
      sessionId: s.sessionId,
      step: 1,
      published: true,
    });
    const l1 = first.trackEvent.recommendations;
    expect(l1).toMatchObject({
      sessionId: s.sessionId,
      version: 1,
      trigger: "IMPRESSIONS",
      source: "RERANK",
      model: "hand-weighted-v1",
      generatedAt: new Date(T0).toISOString(),
    });
    expect(l1.items.map((i) => [i.itemId, i.rank])).toEqual(shown.map((id, i) => [id, i + 1]));

    const second = await gqlOk(ts.url, TrackEventDocument, { event: s.item("ITEM_IMAGE", "h3") });
    expect(second.trackEvent).toMatchObject({ step: 2, published: true });
    const l2 = second.trackEvent.recommendations;
    expect(l2.version).toBe(2);
    expect(l2.trigger).toBe("ITEM_IMAGE");
    expect(l2.items.map((i) => i.itemId)).toEqual(["h3", "h1", "h2", "h4"]);
    expect(l2.items[0]?.reasons.length).toBeGreaterThan(0);
    expect(l2.items[0]!.score).toBeGreaterThan(l2.items[1]!.score);

    const session = await sessionOf(s.sessionId);
    expect(session).toMatchObject({
      sessionId: s.sessionId,
      steps: 2,
      userId: "u1",
      city: "Amsterdam, Netherlands",
      publishedVersion: 2,
      lastEventAt: new Date(T0 + 1000).toISOString(),
      filters: [],
      list: [
        { itemId: "h1", position: 0, price: 120 },
        { itemId: "h2", position: 1, price: 95 },
        { itemId: "h3", position: 2, price: 143 },
        { itemId: "h4", position: 3, price: 80 },
      ],
    });
    expect(session?.touchedItems).toEqual([
      {
        itemId: "h3",
        touches: 1,
        firstStep: 2,
        lastStep: 2,
        byType: [{ type: "ITEM_IMAGE", count: 1 }],
      },
    ]);
    expect(session?.recentEvents.map((e) => [e.type, e.itemId, e.step])).toEqual([
      ["ITEM_IMAGE", "h3", 2],
      ["IMPRESSIONS", null, 1],
    ]);
  });

  // Each case: the event (on a fresh session) and the field its error must name.
  const invalid: [string, (sessionId: string) => EventInput, string][] = [
    [
      "an item event without itemId",
      (id) => ({ sessionId: id, type: "ITEM_IMAGE", timestamp: T0 }),
      "event.itemId",
    ],
    [
      "prices not aligned with impressions",
      (id) => ({
        sessionId: id,
        type: "IMPRESSIONS",
        impressions: ["a", "b", "c"],
        prices: [1, 2],
        timestamp: T0,
      }),
      "event.prices",
    ],
    [
      "a timestamp string that is no date",
      (id) => ({ sessionId: id, type: "ITEM_IMAGE", itemId: "a", timestamp: "next tuesday" }),
      "event.timestamp",
    ],
    [
      "a timestamp in seconds",
      (id) => ({
        sessionId: id,
        type: "ITEM_IMAGE",
        itemId: "a",
        timestamp: Math.floor(T0 / 1000),
      }),
      "event.timestamp",
    ],
    [
      "a timestamp of the wrong JSON type (rejected while coercing variables)",
      (id) => ({
        sessionId: id,
        type: "ITEM_IMAGE",
        itemId: "a",
        timestamp: true as unknown as number,
      }),
      "event.timestamp",
    ],
    [
      "more impressions than MAX_IMPRESSIONS",
      (id) => ({
        sessionId: id,
        type: "IMPRESSIONS",
        impressions: Array.from({ length: LIMITS.MAX_IMPRESSIONS + 1 }, (_, i) => `i${i}`),
        timestamp: T0,
      }),
      "event.impressions",
    ],
    [
      "an item id with a space",
      (id) => ({ sessionId: id, type: "ITEM_IMAGE", itemId: "item 7", timestamp: T0 }),
      "event.itemId",
    ],
    [
      "an unknown event type (enum value in variables)",
      (id) => ({ sessionId: id, type: "TELEPORT" as EventType, itemId: "a", timestamp: T0 }),
      "event.type",
    ],
  ];

  it.each(invalid)(
    "rejects %s: BAD_USER_INPUT naming the field, nothing written",
    async (_name, make, field) => {
      const sessionId = uid("bad");
      const keysBefore = await ts.keyCount();
      const { errors, data } = await gqlErrors(ts.url, TrackEventDocument, {
        event: make(sessionId),
      });
      expectBadInput(errors, field);
      expect(data ?? null).toBeNull();
      expect(await sessionOf(sessionId)).toBeNull();
      expect(await ts.keyCount()).toBe(keysBefore);
    },
  );

  it("rejects a session id with a space, naming the field, and writes nothing", async () => {
    const keysBefore = await ts.keyCount();
    const { errors } = await gqlErrors(ts.url, TrackEventDocument, {
      event: { sessionId: "two words", type: "ITEM_IMAGE", itemId: "a", timestamp: T0 },
    });
    const e = expectBadInput(errors, "event.sessionId");
    expect(e.extensions?.fields).toEqual([
      { field: "event.sessionId", message: expect.stringContaining("whitespace") },
    ]);
    expect(await ts.keyCount()).toBe(keysBefore);
  });

  it("rejects a city with braces (cities become part of keys), in an event and in popularItems", async () => {
    const keysBefore = await ts.keyCount();
    const { errors } = await gqlErrors(ts.url, TrackEventDocument, {
      event: {
        sessionId: uid("s"),
        type: "ITEM_IMAGE",
        itemId: "a",
        city: "Rome}x{y",
        timestamp: T0,
      },
    });
    const e = expectBadInput(errors, "event.city");
    expect(e.extensions?.fields).toEqual([
      { field: "event.city", message: "must not contain control characters, '|', '{' or '}'" },
    ]);
    expect(await ts.keyCount()).toBe(keysBefore);
    const popular = await gqlErrors(ts.url, PopularItemsDocument, { city: "Rome}x{y" });
    expectBadInput(popular.errors, "city");
    // Spaces and commas are fine.
    const ok = await gqlOk(ts.url, TrackEventDocument, {
      event: {
        sessionId: uid("s"),
        type: "SEARCH_DESTINATION",
        city: "Rome, Italy",
        timestamp: T0,
      },
    });
    expect(ok.trackEvent.accepted).toBe(true);
  });

  it("lists every problem of one event at once", async () => {
    const { errors } = await gqlErrors(ts.url, TrackEventDocument, {
      event: {
        sessionId: uid("s"),
        type: "IMPRESSIONS",
        impressions: ["a", "a"],
        prices: [1],
        timestamp: "soon",
      },
    });
    const e = expectBadInput(errors, "event.timestamp");
    const fields = ((e.extensions?.fields ?? []) as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(["event.impressions[1]", "event.prices", "event.timestamp"]);
  });

  describe("trackEvents", () => {
    it("is all-or-nothing by default: one bad event rejects the batch, naming events[i].field", async () => {
      const a = sessionEvents(uid("a"));
      const b = sessionEvents(uid("b"));
      const keysBefore = await ts.keyCount();
      const events: EventInput[] = [
        a.impressions(["x1", "x2"]),
        { sessionId: b.sessionId, type: "CLICKOUT", timestamp: T0 }, // no itemId
        a.item("ITEM_IMAGE", "x2"),
        b.impressions(["y1"], [1, 2]), // prices misaligned
      ];
      const { errors } = await gqlErrors(ts.url, TrackEventsDocument, { events });
      const e = expectBadInput(errors, "events[1].itemId");
      expect(e.message).toContain("events[3].prices");
      expect(e.extensions?.rejectedIndexes).toEqual([1, 3]);
      expect(e.extensions?.fields).toEqual([
        { index: 1, field: "events[1].itemId", message: "is required" },
        { index: 3, field: "events[3].prices", message: expect.stringContaining("align") },
      ]);
      expect(await sessionOf(a.sessionId)).toBeNull();
      expect(await sessionOf(b.sessionId)).toBeNull();
      expect(await ts.keyCount()).toBe(keysBefore);
    });

    it("with partial: true records the valid events and reports the others by index", async () => {
      const a = sessionEvents(uid("a"));
      const b = sessionEvents(uid("b"));
      const events: EventInput[] = [
        a.impressions(["x1", "x2", "x3"]),
        { sessionId: b.sessionId, type: "ITEM_INFO", timestamp: T0 }, // no itemId
        a.item("ITEM_IMAGE", "x3"),
        b.item("ITEM_IMAGE", "y1"),
      ];
      const { trackEvents } = await gqlOk(ts.url, TrackEventsDocument, { events, partial: true });
      expect(trackEvents).toEqual({
        accepted: 3,
        rejected: 1,
        sessions: 2,
        published: 2,
        errors: [{ index: 1, field: "events[1].itemId", message: "is required" }],
      });
      const sa = await sessionOf(a.sessionId);
      expect(sa?.steps).toBe(2);
      expect(sa?.touchedItems.map((t) => t.itemId)).toEqual(["x3"]);
      expect((await sessionOf(b.sessionId))?.steps).toBe(1);
    });

    it("accepts a batch of valid events and rescores each session once", async () => {
      const a = sessionEvents(uid("a"));
      const events = [
        a.impressions(["x1", "x2", "x3"]),
        a.item("ITEM_IMAGE", "x3"),
        a.item("ITEM_INFO", "x2"),
      ];
      const { trackEvents } = await gqlOk(ts.url, TrackEventsDocument, { events });
      expect(trackEvents).toEqual({
        accepted: 3,
        rejected: 0,
        sessions: 1,
        published: 1,
        errors: [],
      });
      // One rescore after the last event: one published version, not three.
      expect((await sessionOf(a.sessionId))?.publishedVersion).toBe(1);
    });

    it("with rescore: false records the events without rescoring or pushing; the next rescored event publishes from the recorded state", async () => {
      const a = sessionEvents(uid("a"));
      const events = [
        a.impressions(["x1", "x2", "x3"]),
        a.item("ITEM_IMAGE", "x3"),
        a.item("ITEM_INFO", "x3"),
      ];
      const { trackEvents } = await gqlOk(ts.url, TrackEventsDocument, { events, rescore: false });
      expect(trackEvents).toEqual({
        accepted: 3,
        rejected: 0,
        sessions: 1,
        published: 0,
        errors: [],
      });
      const recorded = await sessionOf(a.sessionId);
      expect(recorded?.steps).toBe(3);
      expect(recorded?.touchedItems.map((t) => t.itemId)).toEqual(["x3"]);
      expect(recorded?.publishedVersion).toBe(0);
      // The next event is rescored as usual, from everything recorded: x3 leads and the
      // list is published (version 1).
      const { trackEvent } = await gqlOk(ts.url, TrackEventDocument, {
        event: a.item("ITEM_RATING", "x3"),
      });
      expect(trackEvent.published).toBe(true);
      expect(trackEvent.recommendations.version).toBe(1);
      expect(trackEvent.recommendations.items[0]?.itemId).toBe("x3");
    });

    it("rejects a batch over MAX_BATCH_SIZE as a whole, even with partial: true", async () => {
      const a = sessionEvents(uid("a"));
      const keysBefore = await ts.keyCount();
      const events = Array.from({ length: LIMITS.MAX_BATCH_SIZE + 1 }, (_, i) =>
        a.item("ITEM_IMAGE", `x${i}`),
      );
      for (const partial of [false, true]) {
        const { errors } = await gqlErrors(ts.url, TrackEventsDocument, { events, partial });
        const e = expectBadInput(errors, "events");
        expect(e.message).toContain(
          `at most ${LIMITS.MAX_BATCH_SIZE} events (got ${LIMITS.MAX_BATCH_SIZE + 1})`,
        );
      }
      expect(await sessionOf(a.sessionId)).toBeNull();
      expect(await ts.keyCount()).toBe(keysBefore);
    });

    it("rejects an unknown enum value in a batch before anything runs, naming its index", async () => {
      const a = sessionEvents(uid("a"));
      const events = [
        a.item("ITEM_IMAGE", "x1"),
        { ...a.item("ITEM_IMAGE", "x2"), type: "WAVE" as EventType },
      ];
      const { errors } = await gqlErrors(ts.url, TrackEventsDocument, { events, partial: true });
      expectBadInput(errors, "events[1].type");
      expect(await sessionOf(a.sessionId)).toBeNull();
    });
  });
});
