import { print } from "graphql";
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { mintSessionToken } from "../../src/auth/tokens.ts";
import {
  CreateSessionTokenDocument,
  ForgetSessionDocument,
  ModelDocument,
  PopularItemsDocument,
  RecommendationsDocument,
  RecommendationsFeedDocument,
  SessionDocument,
  TrackEventDocument,
  TrackEventsDocument,
} from "../../src/generated/graphql.ts";
import { sessionEvents, T0, uid } from "../support/events.ts";
import { gql, gqlErrors, gqlOk } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { sseSubscribe } from "../support/sse-client.ts";
import { wsUrl } from "../support/ws-client.ts";

const WRITE = "test-write-key-0123456789";
const READ = "test-read-key-0123456789";
const SECRET = "s".repeat(40);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function codeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): unknown {
  return errors?.[0]?.extensions?.code;
}

/** One graphql-ws subscription with connectionParams; resolves with its first result. */
function wsFirst(
  httpUrl: string,
  connectionParams: Record<string, unknown> | undefined,
  sessionId: string,
): Promise<{
  data?: unknown;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}> {
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams,
  });
  return new Promise((resolve, reject) => {
    const stop = client.subscribe(
      { query: print(RecommendationsFeedDocument), variables: { sessionId } },
      {
        next: (v) => {
          stop();
          void client.dispose();
          resolve(v as never);
        },
        error: (e) => {
          void client.dispose();
          if (Array.isArray(e)) resolve({ errors: e });
          else reject(new Error(`ws error ${JSON.stringify(e)}`));
        },
        complete: () => {},
      },
    );
  });
}

describe("API keys and session tokens", () => {
  let t: TestServer;
  const A = uid("sA");
  const B = uid("sB");
  let tokenA = "";

  beforeAll(async () => {
    t = await startTestServer("memory", {
      API_KEYS: new Map([
        [WRITE, "write"],
        [READ, "read"],
      ]),
      SESSION_TOKEN_SECRET: SECRET,
    });
    const a = sessionEvents(A);
    const b = sessionEvents(B);
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: a.impressions(["i1", "i2", "i3"]) },
      { "x-api-key": WRITE },
    );
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: b.impressions(["i1", "i2", "i3"]) },
      { "x-api-key": WRITE },
    );
    const minted = await gqlOk(
      t.url,
      CreateSessionTokenDocument,
      { sessionId: A, ttlSeconds: 600 },
      bearer(WRITE),
    );
    tokenA = minted.createSessionToken.token;
    expect(minted.createSessionToken.sessionId).toBe(A);
  });
  afterAll(() => t.close());

  it("refuses every operation without credentials or with an unknown key (UNAUTHENTICATED)", async () => {
    const q = await gqlErrors(t.url, ModelDocument, {});
    expect(codeOf(q.errors)).toBe("UNAUTHENTICATED");
    expect(q.status).toBe(401);
    const m = await gqlErrors(t.url, TrackEventDocument, {
      event: sessionEvents(A).item("CLICKOUT", "i1"),
    });
    expect(codeOf(m.errors)).toBe("UNAUTHENTICATED");
    const unknown = await gqlErrors(
      t.url,
      ModelDocument,
      {},
      { "x-api-key": "no-such-key-0123456789" },
    );
    expect(codeOf(unknown.errors)).toBe("UNAUTHENTICATED");
    expect(unknown.errors[0]!.message).toMatch(/Unknown API key/);
  });

  it("a read key reads but cannot write; a write key does both", async () => {
    await gqlOk(t.url, RecommendationsDocument, { sessionId: A }, { "x-api-key": READ });
    const w = await gqlErrors(
      t.url,
      TrackEventDocument,
      { event: sessionEvents(A).item("ITEM_IMAGE", "i1") },
      { "x-api-key": READ },
    );
    expect(codeOf(w.errors)).toBe("FORBIDDEN");
    const mint = await gqlErrors(
      t.url,
      CreateSessionTokenDocument,
      { sessionId: A },
      { "x-api-key": READ },
    );
    expect(codeOf(mint.errors)).toBe("FORBIDDEN");
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: sessionEvents(A, T0 + 60_000).item("ITEM_IMAGE", "i1") },
      { "x-api-key": WRITE },
    );
  });

  it("a token for A reads, and writes A, over HTTP queries and mutations", async () => {
    const r = await gqlOk(t.url, RecommendationsDocument, { sessionId: A }, bearer(tokenA));
    expect(r.recommendations.sessionId).toBe(A);
    expect(
      (await gqlOk(t.url, SessionDocument, { id: A }, bearer(tokenA))).session?.sessionId,
    ).toBe(A);
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: sessionEvents(A, T0 + 120_000).item("ITEM_INFO", "i2") },
      bearer(tokenA),
    );
    await gqlOk(t.url, PopularItemsDocument, {}, bearer(tokenA));
  });

  it("a token for A cannot read or write B (FORBIDDEN), nor use key-only mutations", async () => {
    for (const res of [
      await gqlErrors(t.url, RecommendationsDocument, { sessionId: B }, bearer(tokenA)),
      await gqlErrors(t.url, SessionDocument, { id: B }, bearer(tokenA)),
      await gqlErrors(
        t.url,
        TrackEventDocument,
        { event: sessionEvents(B, T0 + 5000).item("CLICKOUT", "i1") },
        bearer(tokenA),
      ),
      await gqlErrors(
        t.url,
        TrackEventsDocument,
        {
          events: [
            sessionEvents(A, T0 + 7000).item("ITEM_IMAGE", "i1"),
            sessionEvents(B, T0 + 7000).item("ITEM_IMAGE", "i1"),
          ],
        },
        bearer(tokenA),
      ),
      await gqlErrors(t.url, CreateSessionTokenDocument, { sessionId: A }, bearer(tokenA)),
      await gqlErrors(t.url, ForgetSessionDocument, { sessionId: A }, bearer(tokenA)),
    ]) {
      expect(codeOf(res.errors), JSON.stringify(res.errors)).toBe("FORBIDDEN");
    }
    // B was not touched by any of those: one event, as before.
    const b = await gqlOk(t.url, SessionDocument, { id: B }, { "x-api-key": READ });
    expect(b.session?.steps).toBe(1);
  });

  it("rejects expired, tampered and foreign-secret tokens (UNAUTHENTICATED)", async () => {
    const expired = mintSessionToken(SECRET, A, Math.floor(Date.now() / 1000) - 1);
    const foreign = mintSessionToken("x".repeat(40), A, Math.floor(Date.now() / 1000) + 600);
    const [p, , sig] = tokenA.split(".");
    const widened = `${p}.${Buffer.from(JSON.stringify({ s: B, exp: 4_000_000_000 })).toString("base64url")}.${sig}`;
    for (const [tok, why] of [
      [expired, /expired/],
      [foreign, /signature/],
      [widened, /signature/],
    ] as const) {
      const res = await gqlErrors(t.url, RecommendationsDocument, { sessionId: A }, bearer(tok));
      expect(codeOf(res.errors)).toBe("UNAUTHENTICATED");
      expect(res.errors[0]!.message).toMatch(why);
    }
  });

  it("SSE: a token for A subscribes to A (header or access_token), not to B", async () => {
    const ok = await sseSubscribe(
      t.url,
      RecommendationsFeedDocument,
      { sessionId: A },
      { headers: bearer(tokenA) },
    );
    expect((await ok.nextData(5000)).recommendations.sessionId).toBe(A);
    await ok.close();
    const viaUrl = await sseSubscribe(
      `${t.url}?access_token=${encodeURIComponent(tokenA)}`,
      RecommendationsFeedDocument,
      { sessionId: A },
      { method: "GET" },
    );
    expect((await viaUrl.nextData(5000)).recommendations.sessionId).toBe(A);
    await viaUrl.close();
    const denied = await sseSubscribe(
      t.url,
      RecommendationsFeedDocument,
      { sessionId: B },
      { headers: bearer(tokenA) },
    );
    expect(codeOf((await denied.next(5000)).errors)).toBe("FORBIDDEN");
    await denied.close();
    const anonymous = await sseSubscribe(t.url, RecommendationsFeedDocument, { sessionId: A });
    expect(codeOf((await anonymous.next(5000)).errors)).toBe("UNAUTHENTICATED");
    await anonymous.close();
  });

  it("WebSocket: the token from connectionParams allows A, not B; none is UNAUTHENTICATED", async () => {
    const ok = await wsFirst(t.url, { authorization: `Bearer ${tokenA}` }, A);
    expect(ok.errors).toBeUndefined();
    expect((ok.data as { recommendations: { sessionId: string } }).recommendations.sessionId).toBe(
      A,
    );
    const denied = await wsFirst(t.url, { authorization: `Bearer ${tokenA}` }, B);
    expect(codeOf(denied.errors)).toBe("FORBIDDEN");
    const none = await wsFirst(t.url, undefined, A);
    expect(codeOf(none.errors)).toBe("UNAUTHENTICATED");
    const key = await wsFirst(t.url, { apiKey: READ }, B);
    expect(key.errors).toBeUndefined();
  });
});

describe("rate limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("memory", {
      API_KEYS: new Map([[WRITE, "write"]]),
      RATE_LIMIT_KEY_PER_SECOND: 0.5,
      RATE_LIMIT_KEY_BURST: 5,
      RATE_LIMIT_SESSION_PER_SECOND: 0.5,
      RATE_LIMIT_SESSION_BURST: 2,
    });
  });
  afterAll(() => t.close());

  it("per session: the third event of a session within a second is RATE_LIMITED with retryAfterSeconds; another session is not", async () => {
    const s = sessionEvents(uid("rl"));
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: s.item("ITEM_IMAGE", "a") },
      { "x-api-key": WRITE },
    );
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: s.item("ITEM_IMAGE", "b") },
      { "x-api-key": WRITE },
    );
    const third = await gqlErrors(
      t.url,
      TrackEventDocument,
      { event: s.item("ITEM_IMAGE", "c") },
      { "x-api-key": WRITE },
    );
    expect(codeOf(third.errors)).toBe("RATE_LIMITED");
    expect(third.errors[0]!.extensions?.retryAfterSeconds).toBe(2);
    expect(third.errors[0]!.message).toMatch(/session/);
    await gqlOk(
      t.url,
      TrackEventDocument,
      { event: sessionEvents(uid("rl2")).item("ITEM_IMAGE", "a") },
      { "x-api-key": WRITE },
    );
  });

  it("per key: past the burst, operations of the key are RATE_LIMITED (HTTP 429, Retry-After)", async () => {
    // The burst is 5 operations (some were taken above), refilled at one per 2 s.
    let res = await gql(t.url, ModelDocument, {}, { "x-api-key": WRITE });
    let sent = 1;
    while (!res.errors && sent < 6) {
      res = await gql(t.url, ModelDocument, {}, { "x-api-key": WRITE });
      sent++;
    }
    expect(codeOf(res.errors)).toBe("RATE_LIMITED");
    expect(res.status).toBe(429);
    expect(res.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe("open service (API_KEYS unset)", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("memory", { SESSION_TOKEN_SECRET: SECRET });
  });
  afterAll(() => t.close());

  it("needs no credentials, and mints tokens for anyone", async () => {
    await gqlOk(t.url, TrackEventDocument, {
      event: sessionEvents(uid("o")).item("ITEM_IMAGE", "a"),
    });
    const m = await gqlOk(t.url, CreateSessionTokenDocument, { sessionId: "s1", ttlSeconds: 60 });
    expect(m.createSessionToken.token).toMatch(/^st1\./);
    const bad = await gqlErrors(t.url, CreateSessionTokenDocument, {
      sessionId: "s1",
      ttlSeconds: 10 ** 7,
    });
    expect(codeOf(bad.errors)).toBe("BAD_USER_INPUT");
  });
});
