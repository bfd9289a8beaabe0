import { readdirSync, readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

/**
 * The k6 scripts cannot run here (k6 is on neither registry), and they cannot be imported
 * into Node (they import k6 modules); their GraphQL documents are plain string literals, so
 * they are read from the source and validated against the committed schema: a renamed field
 * or argument fails here instead of in someone's load test.
 */
const LOAD = new URL("../../load/", import.meta.url);
const schema = buildSchema(
  readFileSync(new URL("../../schema/schema.graphql", import.meta.url), "utf8"),
);
const documents = readdirSync(LOAD)
  .filter((f) => f.endsWith(".js"))
  .flatMap((f) =>
    [
      ...readFileSync(new URL(f, LOAD), "utf8").matchAll(
        /"((?:mutation|query|subscription)\b[^"]*)"/g,
      ),
    ].map((m) => ({ file: f, source: m[1]! })),
  );

describe("k6 scripts' GraphQL documents", () => {
  it("are found (trackEvent, trackEvents, recommendations, the subscription)", () => {
    const names = documents.map((d) => /^\w+\s+(\w+)/.exec(d.source)?.[1]);
    expect(names).toEqual(expect.arrayContaining(["Track", "TrackBatch", "Recs", "Live"]));
  });

  it.each(documents.map((d) => [`${d.file}: ${d.source.slice(0, 60)}`, d.source]))(
    "%s validates against schema/schema.graphql",
    (_name, source) => {
      expect(validate(schema, parse(source)).map((e) => e.message)).toEqual([]);
    },
  );
});
