import { readJsonLines } from "./jsonl.ts";
import { readLines } from "./lines.ts";
import { SourceFormatError, type SourceRow } from "./raw-event.ts";
import { looksLikeSessionHeader, readSessionTsv } from "./session-tsv.ts";
import { isTrivagoHeader, readTrivagoCsv } from "./trivago-csv.ts";

/** `tsv` covers session-rec's tab-separated files and DIGINETICA's semicolon-separated one. */
export type SourceFormat = "trivago" | "jsonl" | "tsv";

const READERS: Record<SourceFormat, (path: string) => AsyncIterable<SourceRow>> = {
  trivago: readTrivagoCsv,
  jsonl: readJsonLines,
  tsv: readSessionTsv,
};

/** Decides the format from the first non-blank line (gzip is looked through). */
export async function sniffFormat(path: string): Promise<SourceFormat> {
  let first: string | undefined;
  for await (const { text } of readLines(path)) {
    if (text.trim() !== "") {
      first = text;
      break;
    }
  }
  if (first === undefined)
    throw new SourceFormatError(path, "empty file; cannot detect its format");
  if (first.trimStart().startsWith("{")) return "jsonl";
  if (isTrivagoHeader(first)) return "trivago";
  if (looksLikeSessionHeader(first)) return "tsv";
  throw new SourceFormatError(
    path,
    `unrecognised first line ${JSON.stringify(first.slice(0, 120))}; expected the trivago CSV header, a JSON object, or a SessionId/ItemId/Time header`,
  );
}

/**
 * Rows of a log file in any supported format. Sniffing happens on first iteration, so an
 * unrecognisable file fails there with a SourceFormatError, like a bad header would.
 */
export async function* openSource(path: string, format?: SourceFormat): AsyncGenerator<SourceRow> {
  yield* READERS[format ?? (await sniffFormat(path))](path);
}
