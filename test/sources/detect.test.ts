import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSource, sniffFormat } from "../../src/ingest/sources/detect.ts";
import { SourceFormatError, type SourceRow } from "../../src/ingest/sources/raw-event.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/trivago-part-a-head.csv", import.meta.url));
const DATA = resolve(process.cwd(), "../shared/data");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionrank-detect-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

describe("sniffFormat / openSource", () => {
  it("recognises the trivago header, also inside gzip under a misleading name", async () => {
    expect(await sniffFormat(FIXTURE)).toBe("trivago");
    const disguised = join(dir, "events.jsonl");
    await writeFile(disguised, gzipSync(await readFile(FIXTURE)));
    expect(await sniffFormat(disguised)).toBe("trivago");
    const rows = await collect(openSource(disguised));
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => "event" in r)).toBe(true);
  });

  it("recognises JSONL after leading blank lines, and session-rec TSV", async () => {
    const jsonl = join(dir, "a.txt");
    await writeFile(jsonl, '\n{"sessionId":"s","type":"VIEW","itemId":"1"}\n');
    expect(await sniffFormat(jsonl)).toBe("jsonl");
    expect(await collect(openSource(jsonl))).toEqual([
      { line: 2, event: { sessionId: "s", type: "VIEW", itemId: "1" } },
    ]);

    const tsv = join(dir, "b.txt");
    await writeFile(tsv, "SessionId\tItemId\tTime\n1\t2\t3\n");
    expect(await sniffFormat(tsv)).toBe("tsv");
    expect(await collect(openSource(tsv))).toEqual([
      { line: 2, event: { sessionId: "1", type: "VIEW", itemId: "2", timestamp: 3000 } },
    ]);
  });

  it("uses an explicit format over sniffing", async () => {
    const p = join(dir, "forced.txt");
    await writeFile(p, "SessionId\tItemId\tTime\n");
    const rows = await collect(openSource(p, "jsonl"));
    expect(rows).toEqual([{ line: 1, error: expect.stringMatching(/^invalid JSON/) }]);
  });

  it("fails with SourceFormatError on unknown or empty files", async () => {
    const unknown = join(dir, "unknown.csv");
    await writeFile(unknown, "a,b,c\n1,2,3\n");
    await expect(sniffFormat(unknown)).rejects.toThrow(SourceFormatError);
    await expect(collect(openSource(unknown))).rejects.toThrow(/unrecognised first line "a,b,c"/);
    const empty = join(dir, "empty");
    await writeFile(empty, "\n\n");
    await expect(sniffFormat(empty)).rejects.toThrow(/empty file/);
  });

  const shared = {
    "trivago-rsc19/validation_part_a.csv.gz": "trivago",
    "trivago-rsc19/test_head.csv": "trivago",
    "trivago-rsc19/train_head.csv": "trivago",
    "yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.tsv.gz": "tsv",
    "diginetica-cikm16-sample/train-item-views_sample.csv.gz": "tsv",
    "otto-sample/train_sample.jsonl": "jsonl",
  } as const;
  const sharedExists = existsSync(DATA);
  if (!sharedExists) console.warn(`[detect.test] skipping shared-data sniffing: ${DATA} not found`);
  it.skipIf(!sharedExists)("sniffs every file in ../shared/data as expected", async () => {
    for (const [file, format] of Object.entries(shared)) {
      expect([file, await sniffFormat(join(DATA, file))]).toEqual([file, format]);
    }
  });
});
