import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonLines } from "../../src/ingest/sources/jsonl.ts";
import type { SourceRow } from "../../src/ingest/sources/raw-event.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionrank-jsonl-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readJsonLines(path)) rows.push(row);
  return rows;
}

describe("readJsonLines", () => {
  it("reads one event per line, skips blank lines, and keeps line numbers", async () => {
    const p = join(dir, "good.jsonl");
    const click = {
      eventId: "e1",
      sessionId: "s1",
      userId: "u1",
      timestamp: 1541599553000,
      type: "CLICKOUT",
      itemId: "5967314",
      impressions: ["100131", "5967314"],
      prices: [71, 119.5],
      filters: ["4 Star"],
      city: "Marseille, France",
      platform: "FR",
      device: "tablet",
    };
    const search = {
      sessionId: "s1",
      type: "SEARCH_POI",
      timestamp: "2018-11-07T14:05:23Z",
      query: "Vieux-Port",
      sort: null,
    };
    await writeFile(p, `${JSON.stringify(click)}\n\n   \n${JSON.stringify(search)}\r\n`);
    expect(await collect(p)).toEqual([
      { line: 1, event: click },
      // null is treated as absent, so `sort` does not come out
      {
        line: 4,
        event: {
          sessionId: "s1",
          type: "SEARCH_POI",
          timestamp: "2018-11-07T14:05:23Z",
          query: "Vieux-Port",
        },
      },
    ]);
  });

  it("drops unknown keys but keeps the event", async () => {
    const p = join(dir, "extra.jsonl");
    await writeFile(p, '{"sessionId":"s","type":"VIEW","itemId":"1","step":3}\n');
    expect(await collect(p)).toEqual([
      { line: 1, event: { sessionId: "s", type: "VIEW", itemId: "1" } },
    ]);
  });

  it("reports invalid JSON, non-objects and wrongly typed fields as error rows", async () => {
    const p = join(dir, "bad.jsonl.gz");
    const lines = [
      '{"sessionId":"s","type":"VIEW","itemId":"1"}', // 1 ok
      '{"sessionId":"s","type":', // 2 truncated
      "[1,2,3]", // 3 array
      "42", // 4 number
      "null", // 5 null
      '{"type":"VIEW"}', // 6 no sessionId
      '{"sessionId":"s","type":"VIEW","itemId":214536502}', // 7 numeric id
      '{"sessionId":"s","type":"CLICKOUT","impressions":["1"],"prices":["10"]}', // 8 string price
      '{"sessionId":"s","type":"VIEW","timestamp":true}', // 9 bad timestamp
      '{"session":0,"events":[{"aid":1,"ts":1659304800025,"type":"clicks"}]}', // 10 OTTO session-per-line
    ];
    await writeFile(p, gzipSync(`${lines.join("\n")}\n`));
    const rows = await collect(p);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows[0]).toEqual({ line: 1, event: { sessionId: "s", type: "VIEW", itemId: "1" } });
    const errors = Object.fromEntries(
      rows.flatMap((r) => ("error" in r ? [[r.line, r.error]] : [])),
    );
    expect(errors).toEqual({
      2: expect.stringMatching(/^invalid JSON: /),
      3: "expected a JSON object, got array",
      4: "expected a JSON object, got number",
      5: "expected a JSON object, got null",
      6: "missing required field(s): sessionId",
      7: "field itemId must be a string, got number",
      8: "field prices must be an array of finite numbers, got array",
      9: "field timestamp must be a number (epoch ms) or a string, got boolean",
      10: "missing required field(s): sessionId, type",
    });
  });
});
