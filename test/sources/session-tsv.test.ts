import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SourceFormatError, type SourceRow } from "../../src/ingest/sources/raw-event.ts";
import { readSessionTsv, sessionTsvLayout } from "../../src/ingest/sources/session-tsv.ts";

const DATA = resolve(process.cwd(), "../shared/data");
const YOOCHOOSE_TEST = join(DATA, "yoochoose-rsc15-100k/yoochoose-clicks-100k_test.tsv.gz");
const DIGINETICA_VIEWS = join(DATA, "diginetica-cikm16-sample/train-item-views_sample.csv.gz");
const DIGINETICA_PURCHASES = join(
  DATA,
  "diginetica-cikm16-sample/train-purchases_sample-sessions.csv",
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionrank-tsv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readSessionTsv(path)) rows.push(row);
  return rows;
}
async function write(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, name.endsWith(".gz") ? gzipSync(text) : text);
  return p;
}

describe("readSessionTsv, session-rec layout (yoochoose)", () => {
  it("turns rows into VIEW events with epoch-ms timestamps", async () => {
    // The first lines of yoochoose-clicks-100k_test.tsv.gz.
    const p = await write(
      "yc.tsv.gz",
      "SessionId\tItemId\tTime\n1\t214536502\t1396860669.277\n1\t214536506\t1396860886.998\n2\t214662742\t1396871797.614\n",
    );
    expect(await collect(p)).toEqual([
      {
        line: 2,
        event: { sessionId: "1", type: "VIEW", itemId: "214536502", timestamp: 1396860669277 },
      },
      {
        line: 3,
        event: { sessionId: "1", type: "VIEW", itemId: "214536506", timestamp: 1396860886998 },
      },
      {
        line: 4,
        event: { sessionId: "2", type: "VIEW", itemId: "214662742", timestamp: 1396871797614 },
      },
    ]);
  });

  it("reports bad rows with their line numbers", async () => {
    const p = await write(
      "yc-bad.tsv",
      "SessionId\tItemId\tTime\n1\t5\t1396860669\n1\t5\n1\t5\tsoon\n\t5\t1396860669\n1\t\t1396860669\n2\t6\t1396860670.5\n",
    );
    expect(await collect(p)).toEqual([
      { line: 2, event: { sessionId: "1", type: "VIEW", itemId: "5", timestamp: 1396860669000 } },
      { line: 3, error: "expected 3 columns, got 2" },
      { line: 4, error: 'Time is not a number of seconds: "soon"' },
      { line: 5, error: "empty session id" },
      { line: 6, error: "empty item id" },
      { line: 7, event: { sessionId: "2", type: "VIEW", itemId: "6", timestamp: 1396860670500 } },
    ]);
  });
});

describe("readSessionTsv, DIGINETICA layout", () => {
  it("maps session_id;user_id;item_id;timeframe;eventdate, NA user = anonymous", async () => {
    const p = await write(
      "digi.csv",
      "session_id;user_id;item_id;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n1;NA;31331;1031018;2016-05-09\n7;5;12;0;2016-05-10\n",
    );
    const day = Date.UTC(2016, 4, 9);
    expect(await collect(p)).toEqual([
      {
        line: 2,
        event: { sessionId: "1", type: "VIEW", itemId: "81766", timestamp: day + 526309 },
      },
      {
        line: 3,
        event: { sessionId: "1", type: "VIEW", itemId: "31331", timestamp: day + 1031018 },
      },
      {
        line: 4,
        event: {
          sessionId: "7",
          type: "VIEW",
          itemId: "12",
          userId: "5",
          timestamp: Date.UTC(2016, 4, 10),
        },
      },
    ]);
  });

  it("anchors a session that crosses midnight on its first day, so no 24 h gap appears", async () => {
    // Session 629 of train-item-views_sample.csv.gz (abridged): rows dated 2016-03-21
    // have larger offsets than the 2016-03-20 rows, i.e. the session crossed midnight.
    const p = await write(
      "digi-midnight.csv",
      [
        "session_id;user_id;item_id;timeframe;eventdate",
        "629;NA;17672;49702;2016-03-20",
        "629;NA;1838;1166856;2016-03-21",
        "629;NA;1838;318475;2016-03-20",
        "629;NA;bad-row",
        "629;NA;1838;728961;2016-03-21",
        "630;NA;9;100;2016-03-22",
      ].join("\n"),
    );
    const rows = await collect(p);
    const start = Date.UTC(2016, 2, 20);
    expect(rows).toEqual([
      {
        line: 2,
        event: { sessionId: "629", type: "VIEW", itemId: "17672", timestamp: start + 49702 },
      },
      {
        line: 3,
        event: { sessionId: "629", type: "VIEW", itemId: "1838", timestamp: start + 1166856 },
      },
      {
        line: 4,
        event: { sessionId: "629", type: "VIEW", itemId: "1838", timestamp: start + 318475 },
      },
      { line: 5, error: "expected 5 columns, got 3" },
      {
        line: 6,
        event: { sessionId: "629", type: "VIEW", itemId: "1838", timestamp: start + 728961 },
      },
      {
        line: 7,
        event: {
          sessionId: "630",
          type: "VIEW",
          itemId: "9",
          timestamp: Date.UTC(2016, 2, 22) + 100,
        },
      },
    ]);
  });

  it("reports bad timeframe and eventdate values", async () => {
    const p = await write(
      "digi-bad.csv",
      "session_id;user_id;item_id;timeframe;eventdate\n1;NA;5;12.5;2016-05-09\n1;NA;5;12;09/05/2016\n1;NA;5;12;2016-13-45\n1;NA;5;12;2016-02-30\n",
    );
    expect(await collect(p)).toEqual([
      { line: 2, error: 'timeframe is not an integer: "12.5"' },
      { line: 3, error: 'eventdate is not a YYYY-MM-DD date: "09/05/2016"' },
      { line: 4, error: 'eventdate is not a YYYY-MM-DD date: "2016-13-45"' },
      { line: 5, error: 'eventdate is not a YYYY-MM-DD date: "2016-02-30"' },
    ]);
  });
});

describe("sessionTsvLayout", () => {
  it("accepts the two layouts found in the data and rejects the rest", () => {
    expect(sessionTsvLayout("SessionId\tItemId\tTime")).toMatchObject({
      delimiter: "\t",
      time: "epoch",
    });
    expect(sessionTsvLayout("session_id;user_id;item_id;timeframe;eventdate")).toMatchObject({
      delimiter: ";",
      time: "dayOffset",
      index: { session: 0, user: 1, item: 2, timeframe: 3, eventdate: 4 },
    });
    expect(sessionTsvLayout("sessionId;userId;timeframe;eventdate;ordernumber;itemId")).toMatch(
      /purchases file/,
    );
    expect(sessionTsvLayout("SessionId\tTime")).toMatch(/ItemId/);
    expect(sessionTsvLayout("SessionId\tItemId")).toMatch(/Time column/);
    expect(sessionTsvLayout("SessionId,ItemId,Time")).toMatch(/neither tab- nor semicolon/);
  });

  it("throws SourceFormatError for a file with an unusable header", async () => {
    const p = await write("nohead.tsv", "1\t214536502\t1396860669.277\n");
    await expect(collect(p)).rejects.toThrow(SourceFormatError);
  });
});

const yoochooseExists = existsSync(YOOCHOOSE_TEST);
const digineticaExists = existsSync(DIGINETICA_VIEWS) && existsSync(DIGINETICA_PURCHASES);
if (!yoochooseExists) console.warn(`[session-tsv.test] skipping: ${YOOCHOOSE_TEST} not found`);
if (!digineticaExists) console.warn(`[session-tsv.test] skipping: ${DIGINETICA_VIEWS} not found`);

describe("readSessionTsv on the shared data", () => {
  it.skipIf(!yoochooseExists)(
    "reads yoochoose test split: 13,568 clicks, 3,416 sessions",
    async () => {
      const rows = await collect(YOOCHOOSE_TEST);
      // Expected counts from /work/shared/data/yoochoose-rsc15-100k/README.md.
      expect(rows.filter((r) => "error" in r)).toEqual([]);
      expect(rows).toHaveLength(13_568);
      expect(new Set(rows.map((r) => ("event" in r ? r.event.sessionId : ""))).size).toBe(3_416);
    },
  );

  it.skipIf(!digineticaExists)(
    "reads the DIGINETICA views sample: 12,391 views, 2,986 sessions",
    async () => {
      const rows = await collect(DIGINETICA_VIEWS);
      // Expected counts from /work/shared/data/diginetica-cikm16-sample/README.md.
      expect(rows.filter((r) => "error" in r)).toEqual([]);
      expect(rows).toHaveLength(12_391);
      const events = rows.flatMap((r) => ("event" in r ? [r.event] : []));
      expect(new Set(events.map((e) => e.sessionId)).size).toBe(2_986);
      // README: users (non-NA) on 4,710 rows.
      expect(events.filter((e) => e.userId !== undefined)).toHaveLength(4_710);
      await expect(collect(DIGINETICA_PURCHASES)).rejects.toThrow(/purchases file/);
    },
  );
});
