import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface Line {
  /** 1-based physical line number, as an editor or `sed -n Np` shows it. */
  line: number;
  /** The line without its terminator (`\n` or `\r\n`). */
  text: string;
}

/** True when the file starts with the gzip magic bytes 1f 8b; the extension is not trusted. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Streams the lines of a plain or gzip file. Memory stays bounded by the longest line.
 * A final line without a terminator is still yielded; a trailing terminator does not
 * produce an extra empty line. A UTF-8 byte-order mark on the first line is dropped so
 * that header comparisons work on files saved by spreadsheet tools.
 *
 * Splitting is done here rather than with node:readline because readline also breaks on
 * a lone `\r`, which would shift line numbers against what `wc -l`/`sed` report, and
 * because errors of the gunzip stream surface directly through this iteration.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  const gzip = await isGzipFile(path);
  const file = createReadStream(path);
  let source: Readable = file;
  if (gzip) {
    const gunzip = createGunzip();
    // pipeline forwards a read error of the file into gunzip, which then fails the loop below.
    pipeline(file, gunzip, () => {});
    source = gunzip;
  }
  // setEncoding keeps multi-byte characters intact across chunk boundaries.
  source.setEncoding("utf8");

  let lineNo = 0;
  let carry = "";
  const emit = (raw: string): Line => {
    lineNo += 1;
    let text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
    return { line: lineNo, text };
  };

  try {
    for await (const chunk of source as AsyncIterable<string>) {
      let start = 0;
      let nl = chunk.indexOf("\n");
      while (nl !== -1) {
        const raw = carry + chunk.slice(start, nl);
        carry = "";
        yield emit(raw);
        start = nl + 1;
        nl = chunk.indexOf("\n", start);
      }
      carry += chunk.slice(start);
    }
    if (carry.length > 0) yield emit(carry);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${path}: read failed after line ${lineNo}: ${message}`, { cause: err });
  } finally {
    // Reached on early exit (consumer broke out of its loop) as well: release the fd.
    source.destroy();
    file.destroy();
  }
}
