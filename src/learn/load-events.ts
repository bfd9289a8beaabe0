import type { Config } from "../config.ts";
import type { SessionEvent } from "../domain/event-type.ts";
import { validateEvent } from "../domain/validate-event.ts";
import { type BadRow, badRow } from "../ingest/sources/bad-row.ts";
import { openSource, type SourceFormat } from "../ingest/sources/detect.ts";

export type { BadRow };

export interface LoadedLog {
  events: SessionEvent[];
  /** Rows that could not become events, by line number: reported, never dropped silently. */
  bad: BadRow[];
  rows: number;
}

/**
 * Reads a whole log into validated events in time order. The trivago files are grouped
 * by user, not by time; replaying them in file order would let a later session's counts
 * leak into an earlier one's features, so events are sorted by timestamp (stable: ties
 * keep file order, and a session's steps stay in order).
 */
export async function loadEvents(
  path: string,
  config: Config,
  opts: { format?: SourceFormat; keep?: (e: SessionEvent) => boolean; sort?: boolean } = {},
): Promise<LoadedLog> {
  const events: SessionEvent[] = [];
  const bad: BadRow[] = [];
  let rows = 0;
  for await (const row of openSource(path, opts.format)) {
    rows++;
    if ("error" in row) {
      bad.push({ line: row.line, error: row.error });
      continue;
    }
    const checked = validateEvent(row.event, config, 0, "row");
    if (!checked.ok) {
      bad.push(badRow(row.line, checked.errors, "row"));
      continue;
    }
    if (!opts.keep || opts.keep(checked.value)) events.push(checked.value);
  }
  if (opts.sort !== false) {
    const order = events.map((e, i) => ({ e, i }));
    order.sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i);
    for (let i = 0; i < order.length; i++) events[i] = order[i]!.e;
  }
  return { events, bad, rows };
}
