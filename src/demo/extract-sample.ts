/**
 * Writes web/sample/trivago-sample.json, the demo page's data: a few real sessions of the
 * trivago RecSys 2019 validation file, rows unchanged, plus the filter and sort values
 * that occur in that file (most frequent first).
 *
 *   tsx src/demo/extract-sample.ts [../shared/data/trivago-rsc19/validation_part_a.csv.gz]
 */
import { writeFileSync } from "node:fs";
import { splitCsvLine } from "../ingest/sources/csv.ts";
import { readLines } from "../ingest/sources/lines.ts";
import { isTrivagoHeader, TRIVAGO_COLUMNS } from "../ingest/sources/trivago-csv.ts";

const SOURCE = "validation_part_a.csv.gz";
const DEFAULT_INPUT = new URL(`../../../shared/data/trivago-rsc19/${SOURCE}`, import.meta.url)
  .pathname;
const OUTPUT = new URL("../../web/sample/trivago-sample.json", import.meta.url).pathname;

/**
 * Chosen by hand among the sessions that have exactly one clickout, as their last row, on
 * an item of its list (not in first or second place), at least three earlier interactions
 * with items of that list, and 6-40 rows: varied cities, every action type, sort and
 * filter changes in some.
 */
export const SESSIONS = [
  "b8ace0dff8c82", // Osaka: sort, filter, deals, info, rating
  "cd0cbf485e213", // Krasnoyarsk: every interaction type
  "5c87d04bece09", // Genting Highlands: clicked item shown 15th
  "9ad14985102ef", // Quito: filter, deals, info
  "263b3c2aabcb9", // Ayvalik: sort and filter
  "f3b23465a0a77", // Groningen
  "176c7d407e2a9", // Munich
  "88f0f8d178293", // London: deals, info
  "3171c3627bfb0", // Pamplona: sort, filter, info, rating
  "7ecf6e775322d", // The Hague
];

/** JSON with one CSV row per line: readable, and diffs show which rows changed. */
function render(sample: {
  source: string;
  columns: readonly string[];
  filters: string[];
  sorts: string[];
  sessions: { sessionId: string; rows: string[][] }[];
}): string {
  const j = (v: unknown) => JSON.stringify(v);
  const sessions = sample.sessions.map(
    (s) =>
      `    {\n      "sessionId": ${j(s.sessionId)},\n      "rows": [\n${s.rows.map((r) => `        ${j(r)}`).join(",\n")}\n      ]\n    }`,
  );
  return `{
  "source": ${j(sample.source)},
  "columns": ${j(sample.columns)},
  "filters": ${j(sample.filters)},
  "sorts": ${j(sample.sorts)},
  "sessions": [
${sessions.join(",\n")}
  ]
}
`;
}

async function main(): Promise<void> {
  const input = process.argv[2] ?? DEFAULT_INPUT;
  const wanted = new Set(SESSIONS);
  const rows = new Map<string, string[][]>();
  const filters = new Map<string, number>();
  const sorts = new Map<string, number>();
  let header = true;
  for await (const { text } of readLines(input)) {
    if (header) {
      if (!isTrivagoHeader(text)) throw new Error(`${input}: not a trivago CSV`);
      header = false;
      continue;
    }
    const split = splitCsvLine(text);
    if (!split.ok) continue;
    const f = split.fields;
    for (const name of (f[9] ?? "").split("|"))
      if (name) filters.set(name, (filters.get(name) ?? 0) + 1);
    if (f[4] === "change of sort order" && f[5]) sorts.set(f[5], (sorts.get(f[5]) ?? 0) + 1);
    const sid = f[1] ?? "";
    if (wanted.has(sid)) rows.set(sid, [...(rows.get(sid) ?? []), f]);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, n)
      .map(([k]) => k);
  const missing = SESSIONS.filter((s) => !rows.has(s));
  if (missing.length > 0) throw new Error(`sessions not found in ${input}: ${missing.join(", ")}`);
  const sample = {
    source: `trivago RecSys Challenge 2019, ${SOURCE} (see web/sample/README.md)`,
    columns: TRIVAGO_COLUMNS,
    filters: top(filters, 14),
    sorts: top(sorts, 8),
    sessions: SESSIONS.map((id) => ({ sessionId: id, rows: rows.get(id)! })),
  };
  writeFileSync(OUTPUT, render(sample));
  const n = sample.sessions.reduce((a, s) => a + s.rows.length, 0);
  console.log(`wrote ${OUTPUT}: ${sample.sessions.length} sessions, ${n} rows`);
}

void main();
