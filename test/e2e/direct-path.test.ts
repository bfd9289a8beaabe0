import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecommendationsDocument, TrackEventDocument } from "../../src/generated/graphql.ts";
import { negotiate } from "../../src/graphql/direct.ts";
import { sessionEvents } from "../support/events.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * The direct path (graphql-js without yoga's fetch layer) must answer exactly as yoga
 * does. Two servers, one with DIRECT_PATH and one without, get the same requests in the
 * same order on fresh stores; status, content type, CORS headers and body must match, and
 * the counters show which requests the direct path answered itself.
 */
const WRITE = "direct-path-write-key";
const READ = "direct-path-read-key";

interface Answer {
  status: number;
  contentType: string | null;
  cors: (string | null)[];
  body: string;
}

async function send(
  url: string,
  body: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<Answer> {
  const h: Record<string, string> = { "content-type": "application/json", "x-api-key": WRITE };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  const res = await fetch(url, {
    method: "POST",
    headers: h,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    cors: ["access-control-allow-origin", "access-control-allow-credentials", "vary"].map((n) =>
      res.headers.get(n),
    ),
    body: await res.text(),
  };
}

const track = print(TrackEventDocument);
const recs = print(RecommendationsDocument);
const s = sessionEvents("direct-s1");
const shown = ["h1", "h2", "h3", "h4"];

/** [name, body, headers, answered directly?] */
const CASES: [string, unknown, Record<string, string | undefined>, boolean][] = [
  [
    "impressions, default Accept",
    { query: track, variables: { event: s.impressions(shown) } },
    {},
    true,
  ],
  [
    "a click, Accept */*",
    { query: track, variables: { event: s.item("ITEM_IMAGE", "h3") } },
    { accept: "*/*" },
    true,
  ],
  [
    "a click, an empty Accept",
    { query: track, variables: { event: s.item("ITEM_IMAGE", "h1") } },
    { accept: "" },
    true,
  ],
  [
    "a click, Accept application/json",
    { query: track, variables: { event: s.item("ITEM_INFO", "h4") } },
    { accept: "application/json" },
    true,
  ],
  [
    "a click, Apollo Client's Accept",
    {
      query: track,
      variables: { event: s.item("ITEM_RATING", "h2") },
      operationName: "TrackEvent",
    },
    { accept: "application/graphql-response+json,application/json;q=0.9" },
    true,
  ],
  [
    "a click from a browser page (Origin: CORS headers)",
    { query: track, variables: { event: s.item("ITEM_DEALS", "h1") } },
    { origin: "http://shop.example" },
    true,
  ],
  [
    "a query",
    { query: recs, variables: { sessionId: "direct-s1", candidates: ["h4", "h1"] } },
    { accept: "application/graphql-response+json" },
    true,
  ],
  [
    "bad input (the resolver's own check)",
    { query: track, variables: { event: { ...s.item("ITEM_IMAGE", "h1"), timestamp: 12 } } },
    {},
    false,
  ],
  [
    "bad variables (graphql-js coercion: an unknown enum value)",
    { query: track, variables: { event: { ...s.item("ITEM_IMAGE", "h1"), type: "NOPE" } } },
    { accept: "application/graphql-response+json" },
    false,
  ],
  ["a syntax error", { query: "mutation { trackEvent(" }, {}, false],
  ["an unknown field", { query: "{ nope }" }, {}, false],
  ["no API key", { query: recs, variables: { sessionId: "x" } }, { "x-api-key": undefined }, false],
  [
    "a read key on a mutation",
    { query: track, variables: { event: s.item("ITEM_IMAGE", "h1") } },
    { "x-api-key": READ },
    false,
  ],
  ["not JSON", "{nope", {}, false],
  ["an unknown parameter", { query: recs, variables: { sessionId: "x" }, other: 1 }, {}, false],
  [
    "Accept: text/event-stream (a mutation answered over SSE)",
    { query: track, variables: { event: s.item("ITEM_IMAGE", "h2") } },
    { accept: "text/event-stream" },
    false,
  ],
  [
    "Accept: text/html (nothing acceptable)",
    { query: recs, variables: { sessionId: "x" } },
    { accept: "text/html" },
    false,
  ],
];

describe("the direct path answers as yoga does", () => {
  let direct: TestServer;
  let yoga: TestServer;
  const answers: [Answer, Answer][] = [];
  beforeAll(async () => {
    const keys = {
      API_KEYS: new Map<string, "read" | "write">([
        [WRITE, "write"],
        [READ, "read"],
      ]),
    };
    [direct, yoga] = await Promise.all([
      startTestServer("memory", { ...keys, DIRECT_PATH: true }),
      startTestServer("memory", { ...keys, DIRECT_PATH: false }),
    ]);
    for (const [, body, headers] of CASES)
      answers.push([await send(direct.url, body, headers), await send(yoga.url, body, headers)]);
  });
  afterAll(async () => {
    await Promise.all([direct?.close(), yoga?.close()]);
  });

  it.each(CASES.map((c, i) => [c[0], i] as const))("%s", (_name, i) => {
    const [d, y] = answers[i]!;
    expect(d).toEqual(y);
  });

  it("answered the plain successes itself and handed every other request to yoga", () => {
    const answered = CASES.filter((c) => c[3]).length;
    // The SSE and text/html requests are left to yoga before their body is read.
    const untaken = 2;
    expect(direct.server.direct?.counts).toEqual({
      answered,
      handedOver: CASES.length - answered - untaken,
    });
    expect(yoga.server.direct).toBeUndefined();
    // The successes did succeed (the comparison above is not between two failures).
    for (const [i, c] of CASES.entries()) {
      if (!c[3]) continue;
      const [d] = answers[i]!;
      expect(d.status).toBe(200);
      expect(JSON.parse(d.body).errors).toBeUndefined();
    }
  });
});

describe("negotiate: the JSON media type yoga picks for an Accept header", () => {
  it.each([
    [undefined, "application/json"],
    ["", "application/json"],
    ["*/*", "application/json"],
    ["application/json", "application/json"],
    ["application/graphql-response+json", "application/graphql-response+json"],
    ["application/graphql-response+json, application/json", "application/graphql-response+json"],
    ["application/json, application/graphql-response+json", "application/json"],
    ["application/*", "application/json"],
    ["application/json; charset=latin1", undefined],
    ["text/event-stream", undefined],
    ["text/html", undefined],
  ])("%s -> %s", (accept, type) => {
    expect(negotiate(accept)).toBe(type);
  });
});

describe.each([true, false])(
  "a request takes one rate-limit token, whichever path answers it (DIRECT_PATH=%s)",
  (directPath) => {
    let ts: TestServer;
    beforeAll(async () => {
      ts = await startTestServer("memory", {
        API_KEYS: new Map([[WRITE, "write" as const]]),
        RATE_LIMIT_KEY_PER_SECOND: 0.01,
        RATE_LIMIT_KEY_BURST: 3,
        DIRECT_PATH: directPath,
      });
    });
    afterAll(async () => {
      await ts?.close();
    });

    it("bad input, bad variables and a success take one token each; the fourth request is limited", async () => {
      const e = sessionEvents("direct-rate");
      const codes: (string | undefined)[] = [];
      const bodies = [
        { query: track, variables: { event: { ...e.impressions(shown), timestamp: 12 } } },
        { query: track, variables: { event: { ...e.impressions(shown), type: "NOPE" } } },
        { query: track, variables: { event: e.impressions(shown) } },
        { query: track, variables: { event: e.item("ITEM_IMAGE", "h2") } },
      ];
      for (const body of bodies) {
        const a = await send(ts.url, body);
        const parsed = JSON.parse(a.body) as { errors?: { extensions?: { code?: string } }[] };
        codes.push(parsed.errors?.[0]?.extensions?.code ?? "OK");
      }
      expect(codes).toEqual(["BAD_USER_INPUT", "BAD_USER_INPUT", "OK", "RATE_LIMITED"]);
    });
  },
);

describe("the direct path's document cache is bounded", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer("memory", { DIRECT_PATH: true });
  });
  afterAll(async () => {
    await ts?.close();
  });

  it("keeps at most 1,000 documents, and never one longer than 16 KB, yet answers them all", async () => {
    const direct = ts.server.direct!;
    const long = `query Huge { model } # ${"x".repeat(20_000)}`;
    const huge = await send(ts.url, { query: long });
    expect(JSON.parse(huge.body)).toEqual({ data: { model: expect.any(String) } });
    expect(direct.cachedDocuments()).toBe(0);
    for (let i = 0; i < 1100; i++) {
      // Distinct documents (aliases), all valid.
      const a = await send(ts.url, { query: `{ m${i}: model }` });
      expect(a.status).toBe(200);
    }
    expect(direct.cachedDocuments()).toBe(1000);
    expect(direct.counts.answered).toBe(1101);
  });
});
