import fc from "fast-check";
import { coerceInputValue, type GraphQLInputType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { EVENT_TYPES } from "../../src/domain/event-type.ts";
import { type RawEventInput, validateEvent } from "../../src/domain/validate-event.ts";
import { TrackEventRetryDocument, TrackEventsRetryDocument } from "../../src/generated/graphql.ts";
import { schema } from "../../src/graphql/schema.ts";
import { LinearScorer } from "../../src/scoring/linear-scorer.ts";
import { ModelHolder } from "../../src/scoring/model-holder.ts";
import { createServices } from "../../src/services.ts";
import { MemoryStore } from "../../src/state/memory-store.ts";
import type { Db } from "../../src/state/ops.ts";
import { gql } from "../support/graphql-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/**
 * Property-based input tests: random and adversarial events, straight into validateEvent
 * (many, fast) and through real HTTP (a few thousand). Figures are printed and recorded in
 * docs/reliability.md.
 */
const SEED = 20240501;
const T_OK = Date.UTC(2024, 4, 1);

const goodId = (pool: string) => fc.integer({ min: 1, max: 6 }).map((i) => `${pool}${i}`);
const badId = fc.oneof(
  fc.constant(""),
  fc.constantFrom("a b", "{x}", "a|b", "tab\there", "\u0000", "\u200b", "nl\n", "x".repeat(129)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
);
const id = (pool: string) =>
  fc.oneof({ weight: 6, arbitrary: goodId(pool) }, { weight: 1, arbitrary: badId });
const text = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "Berlin, Germany",
      "price_low",
      "Köln",
      "mobile",
      "desktop",
      "🙂 spa",
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom("", "a|b", "bell\u0007", "x".repeat(257)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const timestamp = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: T_OK, max: T_OK + 86_400_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_500_000_000, max: 1_800_000_000 }) }, // seconds
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "2024-05-01T12:00:00Z",
      "2024-05-01",
      "yesterday",
      "1714564800000",
      "1e3",
      "",
    ),
  },
  { weight: 1, arbitrary: fc.double({ min: -1e20, max: 1e20, noNaN: true }) },
);
const idList = (pool: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.array(goodId(pool), { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(id(pool), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 301 }, (_, i) => `big${i}`)) },
  );
const priceList = fc.oneof(
  fc.array(fc.integer({ min: 20, max: 400 }), { minLength: 1, maxLength: 8 }),
  fc.array(fc.double({ min: -10, max: 2e9, noNaN: true }), { maxLength: 8 }),
);

/** Events that keep every rule, of every type. */
const validEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    // A small pool, so that retries (same session, same eventId) happen now and then.
    eventId: fc.option(
      fc.integer({ min: 1, max: 400 }).map((i) => `e${i}`),
      { nil: undefined },
    ),
    sessionId: goodId("s"),
    userId: fc.option(goodId("u"), { nil: undefined }),
    timestamp: fc.integer({ min: T_OK, max: T_OK + 86_400_000 }),
    type: fc.constantFrom(...EVENT_TYPES),
    itemId: goodId("i"),
    impressions: fc.uniqueArray(goodId("i"), { minLength: 1, maxLength: 6 }),
    city: fc.option(fc.constantFrom("Berlin, Germany", "Köln"), { nil: undefined }),
    sort: fc.constantFrom("price_low", "rating"),
    filters: fc.array(fc.constantFrom("wifi", "pool", "4 stars"), { maxLength: 3 }),
    query: fc.constantFrom("spa", "museum"),
  })
  .map(({ impressions, sort, filters, query, ...e }) => {
    const out: Record<string, unknown> = { ...e };
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    if (e.type === "IMPRESSIONS" || e.type === "CLICKOUT") {
      out.impressions = impressions;
      out.prices = impressions.map((_, i) => 50 + i * 7);
    }
    if (e.type === "SORT") out.sort = sort;
    if (e.type === "FILTER") out.filters = filters;
    if (e.type === "SEARCH_POI" || e.type === "SEARCH_DESTINATION") out.query = query;
    return out;
  });

/** JSON-safe raw events: mostly plausible, often subtly wrong. Timestamps always present. */
const wildEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      eventId: fc.option(
        fc.oneof(
          fc.integer({ min: 1, max: 40 }).map((i) => `e${i}`),
          badId,
        ),
        { nil: undefined },
      ),
      sessionId: id("s"),
      userId: fc.option(id("u"), { nil: undefined }),
      timestamp,
      type: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...EVENT_TYPES) },
        { weight: 1, arbitrary: fc.constantFrom("NOPE", "clickout", "") },
      ),
      itemId: fc.option(id("i"), { nil: undefined, freq: 3 }),
      impressions: fc.option(idList("i"), { nil: undefined, freq: 2 }),
      prices: fc.option(priceList, { nil: undefined, freq: 2 }),
      filters: fc.option(fc.array(text, { maxLength: 4 }), { nil: undefined, freq: 3 }),
      sort: fc.option(text, { nil: undefined, freq: 3 }),
      city: fc.option(text, { nil: undefined, freq: 2 }),
      platform: fc.option(text, { nil: undefined, freq: 3 }),
      device: fc.option(text, { nil: undefined, freq: 3 }),
      query: fc.option(text, { nil: undefined, freq: 3 }),
    },
    { requiredKeys: ["sessionId", "type", "timestamp"] },
  )
  .chain((e) =>
    // Now and then a value of the wrong GraphQL type or an unknown field.
    fc.oneof(
      { weight: 20, arbitrary: fc.constant(e) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Record<string, unknown>>(
          { ...e, sessionId: null },
          { ...e, timestamp: { ms: 1 } },
          { ...e, impressions: [1, true] },
          { ...e, prices: ["1"] },
          { ...e, bogus: 1 },
          { ...e, type: 3 },
          { ...e, filters: "wifi" },
        ),
      },
    ),
  );

/** A valid event with one field replaced by a wild one. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    wildEvent,
    fc.constantFrom(
      "eventId",
      "sessionId",
      "userId",
      "timestamp",
      "type",
      "itemId",
      "impressions",
      "prices",
      "filters",
      "sort",
      "city",
      "query",
      "device",
    ),
  )
  .map(([v, w, k]) => {
    const out = { ...v };
    if (k in w) out[k] = w[k];
    else delete out[k];
    return out;
  });

const jsonEvent = fc.oneof(
  { weight: 3, arbitrary: validEvent },
  { weight: 3, arbitrary: mutatedEvent },
  { weight: 1, arbitrary: wildEvent },
);

/** Anything at all for validateEvent directly (it sees what GraphQL coercion lets through, and more). */
const anyEvent: fc.Arbitrary<RawEventInput> = fc.oneof(
  { weight: 4, arbitrary: jsonEvent as fc.Arbitrary<RawEventInput> },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        eventId: fc.anything(),
        sessionId: fc.anything(),
        timestamp: fc.anything(),
        type: fc.anything(),
        itemId: fc.anything(),
        impressions: fc.oneof(fc.anything(), fc.array(fc.anything())),
        prices: fc.oneof(fc.anything(), fc.array(fc.double())),
        filters: fc.oneof(fc.anything(), fc.array(fc.anything())),
        sort: fc.anything(),
        city: fc.anything(),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<RawEventInput>,
  },
);

const config = defaultConfig({ LOG_LEVEL: "silent" });
const ID_OK = /^[^\s{}|\p{Cc}\p{Cf}]+$/u;
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_TS = Date.UTC(2100, 0, 1);

describe("fuzz: validateEvent", () => {
  it("accepts only events that keep every rule, and names a field for every rejection (20,000 inputs)", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(anyEvent, (raw) => {
        const r = validateEvent(raw, config, T_OK, "event");
        const fail = (what: string) => {
          throw new Error(`${what}: ${JSON.stringify(raw)} -> ${JSON.stringify(r)}`);
        };
        if (r.ok) {
          accepted++;
          const e = r.value;
          for (const v of [e.sessionId, e.itemId, e.userId, e.eventId, ...(e.impressions ?? [])])
            if (v !== undefined && !(v.length <= config.MAX_ID_LENGTH && ID_OK.test(v)))
              fail("bad id accepted");
          if (!Number.isInteger(e.timestamp) || e.timestamp < MIN_TS || e.timestamp > MAX_TS)
            fail("bad timestamp accepted");
          if (
            e.impressions &&
            (new Set(e.impressions).size !== e.impressions.length ||
              e.impressions.length > config.MAX_IMPRESSIONS)
          )
            fail("bad impressions accepted");
          if (
            e.prices &&
            (e.prices.length !== e.impressions?.length ||
              e.prices.some((p) => !Number.isFinite(p) || p < 0))
          )
            fail("bad prices accepted");
          for (const s of [e.city, e.sort, e.query, e.platform, e.device, ...(e.filters ?? [])])
            if (s !== undefined && (s.length > config.MAX_STRING_LENGTH || /[\p{Cc}|]/u.test(s)))
              fail("bad text accepted");
          if (!EVENT_TYPES.includes(e.type)) fail("bad type accepted");
        } else {
          rejected++;
          if (r.errors.length === 0) fail("rejected without a reason");
          for (const err of r.errors)
            if (!/^event\.[a-zA-Z]+(\[\d+\])?$/.test(err.field) || err.message.length <= 5)
              fail("unclear error");
        }
      }),
      { numRuns: 20_000, seed: SEED },
    );
    console.info(
      `fuzz validateEvent: ${accepted + rejected} inputs, ${accepted} accepted, ${rejected} rejected`,
    );
    expect(accepted).toBeGreaterThan(2_000);
    expect(rejected).toBeGreaterThan(2_000);
  });
});

type Gql = { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };

/** Every error is one we mean: coded, never masked, and saying what was wrong. */
function expectClearErrors(res: Gql & { status: number }, label: string): void {
  for (const e of res.errors ?? []) {
    expect(e.message, label).not.toMatch(/Unexpected error/);
    expect(e.extensions?.code, `${label}: ${e.message}`).toBe("BAD_USER_INPUT");
    expect(e.message, label).toMatch(/event|Variable|\$/);
  }
  expect(res.status, label).toBeLessThan(500);
}

/** The store's content, with idempotency windows' wall-clock ends left out. */
function dump(store: MemoryStore): Record<string, unknown> {
  const db = (store as unknown as { db: Db }).db;
  const out: Record<string, unknown> = {};
  for (const [k, v] of [...db.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (k.endsWith(":ev") && v.t === "zset") out[k] = [...v.v.keys()].sort();
    else if (v.t === "list") out[k] = [...v.v];
    else if (v.t === "set") out[k] = [...v.v].sort();
    else out[k] = Object.fromEntries([...v.v.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }
  return out;
}

describe("fuzz: trackEvent and trackEvents over HTTP", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("memory", { REDIS_PREFIX: "fz" });
  });
  afterAll(() => t.close());

  it("answers every input with success or a clear error, and stores exactly the accepted events", async () => {
    const inputType = schema.getType("EventInput") as GraphQLInputType;
    const referenceStore = new MemoryStore();
    const reference = createServices(
      referenceStore,
      t.config,
      new ModelHolder(new LinearScorer()),
    ).engine;
    const toEvent = (raw: unknown) => {
      const coerced = coerceInputValue(raw, inputType) as RawEventInput;
      const r = validateEvent(coerced, t.config, 0, "event");
      if (!r.ok)
        throw new Error(`server accepted what validateEvent rejects: ${JSON.stringify(r.errors)}`);
      return r.value;
    };
    const singles = fc.sample(jsonEvent, { numRuns: 1_600, seed: SEED });
    const batches = fc.sample(
      fc.record({
        events: fc.array(jsonEvent, { minLength: 1, maxLength: 6 }),
        partial: fc.boolean(),
      }),
      { numRuns: 400, seed: SEED + 1 },
    );
    const figures = {
      requests: 0,
      events: 0,
      accepted: 0,
      rejected: 0,
      duplicates: 0,
      requestErrors: 0,
    };
    let b = 0;
    for (let i = 0; i < singles.length; i++) {
      const raw = singles[i]!;
      const res = await gql(t.url, TrackEventRetryDocument, { event: raw as never });
      figures.requests++;
      figures.events++;
      expectClearErrors(res, `trackEvent ${JSON.stringify(raw).slice(0, 300)}`);
      if (res.data?.trackEvent) {
        figures.accepted++;
        const ref = await reference.track(toEvent(raw));
        expect(res.data.trackEvent.duplicate).toBe(ref.duplicate === true);
        if (ref.duplicate) figures.duplicates++;
      } else {
        figures.rejected++;
        expect(res.errors?.length).toBeGreaterThan(0);
      }
      // Interleave a batch after every fourth single event.
      if (i % 4 === 3 && b < batches.length) {
        const batch = batches[b++]!;
        const br = await gql(t.url, TrackEventsRetryDocument, {
          events: batch.events as never,
          partial: batch.partial,
        });
        figures.requests++;
        figures.events += batch.events.length;
        expectClearErrors(br, `trackEvents ${JSON.stringify(batch).slice(0, 300)}`);
        const out = br.data?.trackEvents;
        if (out) {
          const bad = new Set(out.errors.map((e) => e.index));
          for (const e of out.errors) expect(e.field).toMatch(/^events\[\d+\]\./);
          const ok = batch.events.filter((_, j) => !bad.has(j)).map(toEvent);
          expect(out.accepted).toBe(ok.length);
          expect(out.rejected).toBe(bad.size);
          const ref = ok.length > 0 ? await reference.trackBatch(ok) : { duplicates: 0 };
          expect(out.duplicates).toBe(ref.duplicates ?? 0);
          figures.accepted += ok.length;
          figures.rejected += bad.size;
          figures.duplicates += ref.duplicates ?? 0;
        } else {
          expect(br.errors?.length).toBeGreaterThan(0);
          figures.rejected += batch.events.length;
          if (!br.errors?.some((e) => e.message.startsWith("Invalid input")))
            figures.requestErrors++;
        }
      }
    }
    console.info(`fuzz HTTP: ${JSON.stringify(figures)}`);
    expect(figures.accepted).toBeGreaterThan(500);
    expect(figures.rejected).toBeGreaterThan(500);
    expect(dump(t.store as MemoryStore)).toEqual(dump(referenceStore));
    await referenceStore.close();
  }, 120_000);
});
