import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrackEventsDocument } from "../../src/generated/graphql.ts";
import { sessionEvents, uid } from "../support/events.ts";
import { gqlErrors } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...headers,
    },
    body,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    },
  };
}

describe("request limits", () => {
  let t: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    t = await startTestServer("memory", {
      MAX_BODY_BYTES: 4096,
      MAX_QUERY_DEPTH: 3,
      MAX_QUERY_FIELDS: 50,
      MAX_BATCH_SIZE: 3,
      INTROSPECTION: false,
    });
    open = await startTestServer("memory");
  });
  afterAll(async () => {
    await t.close();
    await open.close();
  });

  it("a body over MAX_BODY_BYTES gets 413 PAYLOAD_TOO_LARGE before anything is parsed", async () => {
    const big = JSON.stringify({ query: "{ model }", variables: { pad: "x".repeat(5000) } });
    const r = await post(t.url, big);
    expect(r.status).toBe(413);
    expect(r.body.errors?.[0]?.extensions).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      maxBytes: 4096,
    });
    expect(r.body.errors?.[0]?.message).toMatch(/larger than the limit of 4096 bytes/);
    expect((await post(t.url, JSON.stringify({ query: "{ model }" }))).status).toBe(200);
  });

  it("a chunked body without a length gets 411 LENGTH_REQUIRED", async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ query: "{ model }" })));
        c.close();
      },
    });
    const res = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(411);
    expect(
      ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions
        .code,
    ).toBe("LENGTH_REQUIRED");
  });

  it("an operation nested deeper than MAX_QUERY_DEPTH is refused with QUERY_TOO_DEEP", async () => {
    const q = "query Deep($s: ID!) { session(id: $s) { touchedItems { byType { type } } } }";
    const r = await post(t.url, JSON.stringify({ query: q, variables: { s: "x" } }));
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
    expect(r.body.errors?.[0]?.message).toMatch(/at most 3 levels/);
    // The same through fragments.
    const f =
      "query Deep($s: ID!) { ...A } fragment A on Query { session(id: $s) { ...B } } fragment B on SessionState { touchedItems { byType { type } } }";
    const r2 = await post(t.url, JSON.stringify({ query: f, variables: { s: "x" } }));
    expect(r2.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
    const ok = await post(
      t.url,
      JSON.stringify({
        query: "query Ok($s: ID!) { session(id: $s) { touchedItems { itemId } } }",
        variables: { s: "x" },
      }),
    );
    expect(ok.body.errors).toBeUndefined();
  });

  it("an operation selecting more than MAX_QUERY_FIELDS fields (aliases, fragment reuse) is QUERY_TOO_COMPLEX", async () => {
    const aliases = Array.from({ length: 51 }, (_, i) => `m${i}: model`).join(" ");
    const r = await post(t.url, JSON.stringify({ query: `{ ${aliases} }` }));
    expect(r.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(r.body.errors?.[0]?.message).toMatch(/at most 50 fields/);
    // Fragments multiply: 4 uses of a 10-field fragment at two levels is 4 * ... > 50.
    const frag = `fragment F on Query { ${Array.from({ length: 10 }, (_, i) => `f${i}: model`).join(" ")} }`;
    const r2 = await post(
      t.url,
      JSON.stringify({ query: `{ ...F a: __typename ...F ...F ...F ...F ...F } ${frag}` }),
    );
    expect(r2.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("INTROSPECTION=false refuses __schema and __type; the default answers them", async () => {
    const q = JSON.stringify({ query: "{ __schema { queryType { name } } }" });
    const off = await post(t.url, q);
    expect(off.body.data).toBeUndefined();
    expect(off.body.errors?.[0]?.message).toMatch(/introspection/i);
    expect(off.body.errors?.[0]?.extensions?.code).toBeDefined();
    const on = await post(open.url, q);
    expect(on.body.data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });

  it("a batch over MAX_BATCH_SIZE is BAD_USER_INPUT naming the bound", async () => {
    const s = sessionEvents(uid("b"));
    const events = ["a", "b", "c", "d"].map((i) => s.item("ITEM_IMAGE", i));
    const r = await gqlErrors(t.url, TrackEventsDocument, { events });
    expect(r.errors[0]!.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors[0]!.message).toMatch(/events: must hold at most 3 events \(got 4\)/);
  });
});
