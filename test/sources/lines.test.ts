import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isGzipFile, type Line, readLines } from "../../src/ingest/sources/lines.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sessionrank-lines-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(path)) out.push(l);
  return out;
}

describe("readLines", () => {
  it("numbers lines from 1, strips CR, and keeps an unterminated last line", async () => {
    const p = join(dir, "crlf.txt");
    await writeFile(p, "a\r\nb\n\nc");
    expect(await collect(p)).toEqual([
      { line: 1, text: "a" },
      { line: 2, text: "b" },
      { line: 3, text: "" },
      { line: 4, text: "c" },
    ]);
  });

  it("does not invent a line after a trailing newline, and yields nothing for an empty file", async () => {
    const p = join(dir, "trailing.txt");
    await writeFile(p, "x\ny\n");
    expect((await collect(p)).map((l) => l.text)).toEqual(["x", "y"]);
    const e = join(dir, "empty.txt");
    await writeFile(e, "");
    expect(await collect(e)).toEqual([]);
    expect(await isGzipFile(e)).toBe(false);
  });

  it("drops a UTF-8 BOM on line 1 only and keeps multi-byte text intact", async () => {
    const p = join(dir, "bom.txt");
    await writeFile(p, "\uFEFFhead\n\uFEFFkeep\nZürich, 東京\n");
    expect((await collect(p)).map((l) => l.text)).toEqual(["head", "\uFEFFkeep", "Zürich, 東京"]);
  });

  it("detects gzip by magic bytes, not by the file name", async () => {
    const content = Array.from({ length: 5000 }, (_, i) => `row ${i} ${"é".repeat(i % 7)}`).join(
      "\n",
    );
    const gzNamedCsv = join(dir, "really-gzip.csv");
    const plainNamedGz = join(dir, "really-plain.gz");
    await writeFile(gzNamedCsv, gzipSync(content));
    await writeFile(plainNamedGz, content);
    expect(await isGzipFile(gzNamedCsv)).toBe(true);
    expect(await isGzipFile(plainNamedGz)).toBe(false);
    const fromGzip = await collect(gzNamedCsv);
    expect(fromGzip).toEqual(await collect(plainNamedGz));
    expect(fromGzip).toHaveLength(5000);
    expect(fromGzip[4999]).toEqual({ line: 5000, text: `row 4999 ${"é".repeat(4999 % 7)}` });
  });

  it("stops cleanly when the consumer breaks early", async () => {
    const p = join(dir, "many.txt.gz");
    await writeFile(p, gzipSync(Array.from({ length: 100_000 }, (_, i) => String(i)).join("\n")));
    const seen: string[] = [];
    for await (const { text } of readLines(p)) {
      seen.push(text);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["0", "1", "2"]);
  });

  it("fails loudly on a truncated gzip file", async () => {
    const p = join(dir, "truncated.gz");
    const full = gzipSync(Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join("\n"));
    await writeFile(p, full.subarray(0, Math.floor(full.length / 2)));
    await expect(collect(p)).rejects.toThrow(/truncated\.gz: read failed after line \d+/);
  });
});
