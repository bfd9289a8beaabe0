import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ForgetSessionDocument,
  ForgetUserDocument,
  PopularItemsDocument,
  SessionDocument,
  TrackEventRetryDocument,
  TrackEventsRetryDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { STORE_KINDS } from "../support/stores.ts";

describe.each(STORE_KINDS)("retries, forgetSession and forgetUser over HTTP: %s", (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind);
  });
  afterAll(() => t.close());

  it("a retried trackEvent returns duplicate: true and counts once", async () => {
    const s = sessionEvents(uid("r"));
    const e = { ...s.item("CLICKOUT", "ri1"), eventId: "evt-1" };
    const first = await gqlOk(t.url, TrackEventRetryDocument, { event: e });
    const again = await gqlOk(t.url, TrackEventRetryDocument, { event: e });
    expect(first.trackEvent.duplicate).toBe(false);
    expect(again.trackEvent).toMatchObject({
      duplicate: true,
      step: first.trackEvent.step,
      published: false,
    });
    const snap = await gqlOk(t.url, SessionDocument, { id: s.sessionId });
    expect(snap.session?.steps).toBe(1);
    const batch = [
      { ...s.item("ITEM_IMAGE", "ri2"), eventId: "evt-2" },
      { ...s.item("ITEM_IMAGE", "ri3"), eventId: "evt-3" },
    ];
    const b1 = await gqlOk(t.url, TrackEventsRetryDocument, { events: batch });
    const b2 = await gqlOk(t.url, TrackEventsRetryDocument, { events: [...batch, e] });
    expect(b1.trackEvents).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(b2.trackEvents).toMatchObject({ accepted: 3, duplicates: 3 });
    expect((await gqlOk(t.url, SessionDocument, { id: s.sessionId })).session?.steps).toBe(3);
  });

  it("forgetSession removes the session's keys; aggregates keep their counts; forgetUser removes the user's history", async () => {
    const user = uid("u");
    const city = uid("city");
    const s = sessionEvents(uid("f"));
    await gqlOk(t.url, TrackEventsRetryDocument, {
      events: [
        s.impressions(["fa", "fb"], undefined, { userId: user, city, eventId: "x1" }),
        s.item("CLICKOUT", "fa", { userId: user, city }),
      ],
    });
    const before = await t.keyCount();
    const forgot = await gqlOk(t.url, ForgetSessionDocument, { sessionId: s.sessionId });
    // st (with the published version), it, rc and ev.
    expect(forgot.forgetSession.removedKeys).toBe(4);
    expect((await gqlOk(t.url, SessionDocument, { id: s.sessionId })).session).toBeNull();
    expect(await t.keyCount()).toBe(before - 4);
    const pop = await gqlOk(t.url, PopularItemsDocument, { city });
    expect(pop.popularItems.map((p) => p.itemId)).toContain("fa");
    const fu = await gqlOk(t.url, ForgetUserDocument, { userId: user });
    expect(fu.forgetUser.removedKeys).toBe(1);
    expect((await gqlOk(t.url, ForgetUserDocument, { userId: user })).forgetUser.removedKeys).toBe(
      0,
    );
  });
});
