import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawEventInput, SourceRow } from "../../src/ingest/sources/raw-event.ts";
import { SourceFormatError } from "../../src/ingest/sources/raw-event.ts";
import { readTrivagoCsv, TRIVAGO_COLUMNS } from "../../src/ingest/sources/trivago-csv.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/trivago-part-a-head.csv", import.meta.url));
const FULL = resolve(process.cwd(), "../shared/data/trivago-rsc19/validation_part_a.csv.gz");
const HEADER = TRIVAGO_COLUMNS.join(",");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionrank-trivago-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readTrivagoCsv(path)) rows.push(row);
  return rows;
}
const eventsOf = (rows: SourceRow[]): RawEventInput[] =>
  rows.flatMap((r) => ("event" in r ? [r.event] : []));
const errorsOf = (rows: SourceRow[]) => rows.flatMap((r) => ("error" in r ? [r] : []));

function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

async function writeTrivago(name: string, dataLines: string[]): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, `${[HEADER, ...dataLines].join("\n")}\n`);
  return p;
}

describe("readTrivagoCsv on the 300-row fixture", () => {
  it("parses every row, with the expected counts by type", async () => {
    const rows = await collect(FIXTURE);
    expect(errorsOf(rows)).toEqual([]);
    expect(rows).toHaveLength(300);
    // Line numbers are physical lines: the header is line 1.
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 300 }, (_, i) => i + 2));
    // Expected counts computed outside this code, on the fixture itself:
    //   awk -F, 'NR>1{c[$5]++} END{for(k in c) print c[k], k}' test/fixtures/trivago-part-a-head.csv
    // (columns 1-5 never contain a comma, so a plain split is exact for action_type).
    // The fixture has no "change of sort order" row, hence no SORT.
    expect(countBy(eventsOf(rows), (e) => e.type)).toEqual({
      ITEM_IMAGE: 206,
      CLICKOUT: 54,
      ITEM_INFO: 14,
      ITEM_RATING: 7,
      SEARCH_DESTINATION: 5,
      ITEM_DEALS: 5,
      FILTER: 5,
      SEARCH_POI: 3,
      SEARCH_ITEM: 1,
    });
    const events = eventsOf(rows);
    // awk -F, 'NR>1{print $2}' test/fixtures/trivago-part-a-head.csv | sort -u | wc -l  → 34
    expect(new Set(events.map((e) => e.sessionId)).size).toBe(34);
    // awk -F, 'NR>1 && $5=="clickout item"{n+=split($(NF-1),a,"|")} END{print n}' → 1281
    // (impressions/prices are the last two columns and never contain a comma)
    const clickouts = events.filter((e) => e.type === "CLICKOUT");
    expect(clickouts.reduce((n, e) => n + (e.impressions?.length ?? 0), 0)).toBe(1281);
    expect(clickouts.reduce((n, e) => n + (e.prices?.length ?? 0), 0)).toBe(1281);
    // awk -F, 'NR>1 && $(NF-2)!=""' test/fixtures/trivago-part-a-head.csv | wc -l  → 9
    expect(events.filter((e) => e.filters !== undefined)).toHaveLength(9);
    expect(events.every((e) => e.eventId === undefined)).toBe(true);
  });

  it("maps fields as specified (first rows of the file)", async () => {
    const rows = await collect(FIXTURE);
    const common = {
      sessionId: "82cafdca18b3c",
      userId: "018ULPKHFF1A",
      platform: "FR",
      city: "Marseille, France",
      device: "tablet",
    };
    expect(rows[0]).toEqual({
      line: 2,
      event: { ...common, timestamp: 1541599523000, type: "ITEM_IMAGE", itemId: "5967314" },
    });
    expect(rows[1]).toEqual({
      line: 3,
      event: { ...common, timestamp: 1541599538000, type: "ITEM_RATING", itemId: "5967314" },
    });
    const click = rows[2];
    expect(click?.line).toBe(4);
    if (click === undefined || !("event" in click)) throw new Error("line 4 should be an event");
    expect(click.event).toMatchObject({
      ...common,
      timestamp: 1541599553000,
      type: "CLICKOUT",
      itemId: "5967314",
    });
    expect(click.event.impressions?.slice(0, 4)).toEqual(["100131", "913787", "5967314", "100068"]);
    expect(click.event.prices?.slice(0, 4)).toEqual([71, 107, 119, 84]);
    expect(click.event.impressions).toHaveLength(25);
    expect(click.event.prices).toHaveLength(25);
    expect(click.event.filters).toBeUndefined();
  });

  it("maps the search, filter and poi actions to query, with filters split on |", async () => {
    const byLine = new Map((await collect(FIXTURE)).map((r) => [r.line, r]));
    expect(byLine.get(40)).toMatchObject({
      event: {
        type: "SEARCH_DESTINATION",
        query: "Niagara Falls, Canada",
        city: "Niagara Falls, Canada",
      },
    });
    expect(byLine.get(50)).toMatchObject({ event: { type: "SEARCH_ITEM", itemId: "935885" } });
    expect(byLine.get(88)).toMatchObject({
      event: {
        type: "FILTER",
        query: "Swimming Pool (Combined Filter)",
        city: "Międzyzdroje, Poland",
        filters: ["Hotel", "Hostal (ES)", "Swimming Pool (Combined Filter)"],
      },
    });
    expect(byLine.get(282)).toMatchObject({
      event: { type: "SEARCH_POI", query: "Kuching International" },
    });
    const filter = byLine.get(88);
    if (filter === undefined || !("event" in filter)) throw new Error("line 88 should be an event");
    expect(filter.event.itemId).toBeUndefined();
  });

  it("gives identical rows from a gzip copy", async () => {
    const gz = join(dir, "fixture-copy.csv.gz");
    await writeFile(gz, gzipSync(await readFile(FIXTURE)));
    expect(await collect(gz)).toEqual(await collect(FIXTURE));
  });
});

describe("readTrivagoCsv on hand-written rows", () => {
  it("parses a quoted city with a comma and a doubled quote, and a sort change", async () => {
    const p = await writeTrivago("quoted.csv", [
      'U1,s1,1541599523,1,interaction item info,42,FR,"Villette-d\'Anthon, France",mobile,,,',
      'U1,s1,1541599524,2,change of sort order,price only,FR,"The ""Big"" City, Neverland",mobile,Hotel|4 Star,,',
    ]);
    expect(await collect(p)).toEqual([
      {
        line: 2,
        event: {
          sessionId: "s1",
          userId: "U1",
          timestamp: 1541599523000,
          type: "ITEM_INFO",
          itemId: "42",
          platform: "FR",
          city: "Villette-d'Anthon, France",
          device: "mobile",
        },
      },
      {
        line: 3,
        event: {
          sessionId: "s1",
          userId: "U1",
          timestamp: 1541599524000,
          type: "SORT",
          sort: "price only",
          platform: "FR",
          city: 'The "Big" City, Neverland',
          device: "mobile",
          filters: ["Hotel", "4 Star"],
        },
      },
    ]);
  });

  it("emits a hidden-target clickout (empty reference) with itemId undefined", async () => {
    const p = await writeTrivago("hidden.csv", [
      'U1,s1,1541599553,3,clickout item,,FR,"Paris, France",desktop,,1|2|3,10|20|30',
    ]);
    const [row] = await collect(p);
    expect(row).toEqual({
      line: 2,
      event: {
        sessionId: "s1",
        userId: "U1",
        timestamp: 1541599553000,
        type: "CLICKOUT",
        platform: "FR",
        city: "Paris, France",
        device: "desktop",
        impressions: ["1", "2", "3"],
        prices: [10, 20, 30],
      },
    });
    if (row === undefined || !("event" in row)) throw new Error("expected an event");
    expect("itemId" in row.event).toBe(false);
  });

  it("reports each bad row with its line number and keeps going", async () => {
    const good = 'U1,s1,1541599523,1,interaction item image,5,FR,"Paris, France",mobile,,,';
    const p = await writeTrivago("bad.csv", [
      good, // line 2
      "U1,s1,1541599523,2,interaction item image,5,FR,Paris,mobile,,", // 3: 11 columns
      'U1,s1,1541599523,3,teleport,5,FR,"Paris, France",mobile,,,', // 4: unknown action
      'U1,s1,15415x,4,interaction item image,5,FR,"Paris, France",mobile,,,', // 5: bad timestamp
      'U1,s1,1541599523,5,clickout item,5,FR,"Paris, France",mobile,,5|6,10|abc', // 6: bad price
      'U1,s1,1541599523,6,clickout item,5,FR,"Paris, France",mobile,,5|6|7,10|20', // 7: misaligned
      'U1,s1,1541599523,7,interaction item image,5,FR,"Paris, France,mobile,,,', // 8: open quote
      "", // 9: blank line
      'U1,s1,1541599523,8,interaction item image,5,FR,"Paris, France",mobile,,5,10', // 10: impressions off a clickout
      ',,1541599523,9,interaction item image,5,FR,"Paris, France",mobile,,,', // 11: no session id
      good, // line 12
    ]);
    const rows = await collect(p);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(Object.fromEntries(errorsOf(rows).map((r) => [r.line, r.error]))).toEqual({
      3: "expected 12 columns, got 11",
      4: 'unknown action_type "teleport"',
      5: 'timestamp is not a number of seconds: "15415x"',
      6: 'price at position 2 is not a number: "abc"',
      7: "prices not aligned with impressions: 3 impressions, 2 prices",
      8: expect.stringMatching(/^unterminated quoted field/),
      9: "expected 12 columns, got 1",
      10: 'impressions/prices on a "interaction item image" row',
      11: "empty session_id",
    });
    expect(eventsOf(rows)).toHaveLength(2);
  });

  it("throws SourceFormatError when the header is missing, wrong, or the file is empty", async () => {
    const noHeader = join(dir, "noheader.csv");
    await writeFile(
      noHeader,
      'U1,s1,1541599523,1,interaction item image,5,FR,"Paris, France",mobile,,,\n',
    );
    await expect(collect(noHeader)).rejects.toThrow(SourceFormatError);
    await expect(collect(noHeader)).rejects.toThrow(/line 1 is not the trivago header/);

    const reordered = join(dir, "reordered.csv");
    await writeFile(reordered, `${[...TRIVAGO_COLUMNS].reverse().join(",")}\n`);
    await expect(collect(reordered)).rejects.toThrow(/not the trivago header/);

    const empty = join(dir, "empty.csv");
    await writeFile(empty, "");
    await expect(collect(empty)).rejects.toThrow(/empty file/);
  });
});

const fullExists = existsSync(FULL);
if (!fullExists) {
  console.warn(`[trivago-csv.test] skipping the full-file test: ${FULL} not found`);
}

describe("readTrivagoCsv on the full validation_part_a", () => {
  it.skipIf(!fullExists)("streams all rows with the documented counts", async () => {
    let rows = 0;
    let bad = 0;
    const byType: Record<string, number> = {};
    const sessions = new Set<string>();
    const users = new Set<string>();
    let clickoutsWithRefInImpressions = 0;
    let lastLine = 0;
    for await (const row of readTrivagoCsv(FULL)) {
      rows += 1;
      expect(row.line).toBe(lastLine === 0 ? 2 : lastLine + 1);
      lastLine = row.line;
      if ("error" in row) {
        bad += 1;
        continue;
      }
      const e = row.event;
      byType[e.type] = (byType[e.type] ?? 0) + 1;
      sessions.add(e.sessionId);
      if (e.userId !== undefined) users.add(e.userId);
      if (e.type === "CLICKOUT" && e.itemId !== undefined && e.impressions?.includes(e.itemId)) {
        clickoutsWithRefInImpressions += 1;
      }
    }
    // All expected numbers are from /work/shared/data/trivago-rsc19/README.md ("Counts").
    expect(bad).toBe(0);
    expect(rows).toBe(51_990);
    expect(byType).toEqual({
      ITEM_IMAGE: 36_478,
      CLICKOUT: 6_803,
      FILTER: 2_415,
      SEARCH_DESTINATION: 1_519,
      SORT: 1_397,
      ITEM_INFO: 998,
      ITEM_RATING: 738,
      ITEM_DEALS: 675,
      SEARCH_POI: 500,
      SEARCH_ITEM: 467,
    });
    expect(sessions.size).toBe(3_807);
    expect(users.size).toBe(3_304);
    expect(clickoutsWithRefInImpressions).toBe(6_802);
  });
});
