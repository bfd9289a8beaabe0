import type { RawItemInput } from "../../catalog/item.ts";
import { splitCsvLine } from "./csv.ts";
import { readLines } from "./lines.ts";

export type ItemSourceFormat = "trivago" | "jsonl";

export type ItemRow = { line: number; item: RawItemInput } | { line: number; error: string };

const TRIVAGO_HEADER = "item_id,properties";

/** trivago's star and rating properties, as the numeric attributes the ranking reads. */
const RATINGS: Record<string, number> = {
  "satisfactory rating": 1,
  "good rating": 2,
  "very good rating": 3,
  "excellent rating": 4,
};

/**
 * `stars` from "N Star" and `rating` from the best "… Rating" property (1 satisfactory to
 * 4 excellent; trivago lists every level an item reaches, so the highest is its rating).
 */
export function trivagoAttributes(
  properties: readonly string[],
): { name: string; value: number }[] {
  let stars: number | undefined;
  let rating: number | undefined;
  for (const p of properties) {
    const lower = p.trim().toLowerCase();
    const m = /^([1-5]) star$/.exec(lower);
    if (m) stars = Math.max(stars ?? 0, Number(m[1]));
    const r = RATINGS[lower];
    if (r !== undefined) rating = Math.max(rating ?? 0, r);
  }
  const out: { name: string; value: number }[] = [];
  if (stars !== undefined) out.push({ name: "stars", value: stars });
  if (rating !== undefined) out.push({ name: "rating", value: rating });
  return out;
}

/** The format of an item file: trivago's header, else JSON lines. */
export async function sniffItemFormat(path: string): Promise<ItemSourceFormat> {
  for await (const { text } of readLines(path)) {
    if (text.trim() === "") continue;
    return text.trim() === TRIVAGO_HEADER ? "trivago" : "jsonl";
  }
  return "jsonl";
}

/**
 * Streams the items of a trivago `item_metadata.csv` (`item_id,properties`, properties
 * `|`-separated; plain or gzip) or of JSON lines of ItemInput. Rows that cannot be read
 * are yielded as errors with their line number; validation is the caller's.
 */
export async function* openItemSource(
  path: string,
  format?: ItemSourceFormat,
): AsyncGenerator<ItemRow> {
  const fmt = format ?? (await sniffItemFormat(path));
  let first = true;
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === "") continue;
    if (fmt === "trivago") {
      if (first) {
        first = false;
        if (text.trim() !== TRIVAGO_HEADER) {
          yield { line, error: `expected the header ${TRIVAGO_HEADER}` };
          return;
        }
        continue;
      }
      const split = splitCsvLine(text);
      if (!split.ok) {
        yield { line, error: split.error };
        continue;
      }
      if (split.fields.length !== 2) {
        yield { line, error: `expected 2 columns, got ${split.fields.length}` };
        continue;
      }
      const [itemId, props] = split.fields as [string, string];
      const properties = props === "" ? [] : props.split("|");
      yield { line, item: { itemId, properties, attributes: trivagoAttributes(properties) } };
    } else {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { line, error: `not JSON: ${(err as Error).message}` };
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        yield { line, error: "expected a JSON object (an ItemInput)" };
        continue;
      }
      const o = value as Record<string, unknown>;
      if (o.properties !== undefined && o.properties !== null && !Array.isArray(o.properties)) {
        yield { line, error: "properties must be an array of strings" };
        continue;
      }
      if (o.attributes !== undefined && o.attributes !== null && !Array.isArray(o.attributes)) {
        yield { line, error: "attributes must be an array of {name, value}" };
        continue;
      }
      yield { line, item: o as RawItemInput };
    }
  }
}
