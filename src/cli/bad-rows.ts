import type { BadRow } from "../ingest/sources/bad-row.ts";

/** Prints the first bad rows by line number; `--json` output carries all of them. */
export function printBadRows(bad: readonly BadRow[], verb: string): void {
  if (bad.length === 0) return;
  console.log(`${bad.length} bad rows (not ${verb}):`);
  for (const b of bad.slice(0, 20)) console.log(`  line ${b.line}: ${b.error}`);
  if (bad.length > 20) console.log(`  ... and ${bad.length - 20} more (--json lists all)`);
}
