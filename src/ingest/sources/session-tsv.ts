import { readLines } from "./lines.ts";
import { type RawEventInput, SourceFormatError, type SourceRow } from "./raw-event.ts";

/**
 * Column names are compared after lower-casing and dropping `_`, so session-rec's
 * `SessionId`/`ItemId`/`Time` and DIGINETICA's `session_id`/`item_id` map to the same roles.
 */
const ROLES: Readonly<Record<string, Role>> = {
  sessionid: "session",
  itemid: "item",
  time: "time",
  userid: "user",
  timeframe: "timeframe",
  eventdate: "eventdate",
};
type Role = "session" | "item" | "time" | "user" | "timeframe" | "eventdate";

/**
 * - `epoch`: session-rec (yoochoose): `Time` is Unix seconds, fractional.
 * - `dayOffset`: DIGINETICA train-item-views: `eventdate` is the day (YYYY-MM-DD) and
 *   `timeframe` an offset from the start of the session, taken to be milliseconds.
 */
export type SessionTsvTime = "epoch" | "dayOffset";

export interface SessionTsvLayout {
  delimiter: "\t" | ";";
  columnCount: number;
  time: SessionTsvTime;
  index: Partial<Record<Role, number>> & { session: number; item: number };
}

const normalize = (name: string) => name.trim().toLowerCase().replaceAll("_", "");

/** Reads the header of a session-rec / DIGINETICA file, or says why it is not one. */
export function sessionTsvLayout(header: string): SessionTsvLayout | string {
  const delimiter = header.includes("\t") ? "\t" : header.includes(";") ? ";" : undefined;
  if (delimiter === undefined) return "header is neither tab- nor semicolon-separated";
  const names = header.split(delimiter).map(normalize);
  // The DIGINETICA purchases file has the same session/item/time columns; reading it as
  // views would silently turn purchases into VIEW events, and its timeframe does not
  // share the views file's origin, so it is refused outright.
  if (names.includes("ordernumber"))
    return "a purchases file (has ordernumber); only item views are supported";

  const index: Partial<Record<Role, number>> = {};
  for (const [i, name] of names.entries()) {
    const role = ROLES[name];
    if (role === undefined) continue;
    if (index[role] !== undefined) return `column for ${role} appears twice`;
    index[role] = i;
  }
  const { session, item } = index;
  if (session === undefined || item === undefined)
    return "header needs a SessionId and an ItemId column";
  let time: SessionTsvTime;
  if (index.time !== undefined) time = "epoch";
  else if (index.timeframe !== undefined && index.eventdate !== undefined) time = "dayOffset";
  else return "header needs a Time column, or timeframe and eventdate";
  return { delimiter, columnCount: names.length, time, index: { ...index, session, item } };
}

export function looksLikeSessionHeader(line: string): boolean {
  return typeof sessionTsvLayout(line) !== "string";
}

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
// DIGINETICA writes an anonymous session's user as NA.
const NO_USER = new Set(["", "NA"]);

type Parsed =
  | { line: number; error: string }
  | { line: number; event: RawEventInput; day?: number; offset?: number };

function parseRow(layout: SessionTsvLayout, line: number, text: string): Parsed {
  const fields = text.split(layout.delimiter);
  if (fields.length !== layout.columnCount) {
    return { line, error: `expected ${layout.columnCount} columns, got ${fields.length}` };
  }
  const at = (i: number | undefined) => (i === undefined ? "" : (fields[i] ?? ""));
  const sessionId = at(layout.index.session);
  const itemId = at(layout.index.item);
  if (sessionId === "") return { line, error: "empty session id" };
  if (itemId === "") return { line, error: "empty item id" };
  const event: RawEventInput = { sessionId, type: "VIEW", itemId };
  const user = at(layout.index.user);
  if (!NO_USER.has(user)) event.userId = user;

  if (layout.time === "epoch") {
    const seconds = at(layout.index.time);
    if (!DECIMAL.test(seconds))
      return { line, error: `Time is not a number of seconds: ${JSON.stringify(seconds)}` };
    // Rounded because the seconds carry milliseconds as a binary fraction (…669.277).
    event.timestamp = Math.round(Number(seconds) * 1000);
    return { line, event };
  }
  const timeframe = at(layout.index.timeframe);
  const date = at(layout.index.eventdate);
  if (!INTEGER.test(timeframe))
    return { line, error: `timeframe is not an integer: ${JSON.stringify(timeframe)}` };
  const day = DAY.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  // The round trip catches dates like 2016-02-30, which Date.parse rolls over instead of rejecting.
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== date)
    return { line, error: `eventdate is not a YYYY-MM-DD date: ${JSON.stringify(date)}` };
  return { line, event, day, offset: Number(timeframe) };
}

// Only reached by a pathological file (one huge session, or masses of bad rows inside
// one); keeps the per-session buffer bounded.
const MAX_BUFFERED = 10_000;

/**
 * Streams a session-rec style file (tab-separated `SessionId ItemId Time`, as in the
 * yoochoose samples) or a DIGINETICA item-views file (`session_id;user_id;item_id;
 * timeframe;eventdate`) as VIEW events. Throws SourceFormatError for an unusable header.
 *
 * DIGINETICA gives no clock time, only the day of each view and its offset from the
 * session start. Using each row's own day would push the views after midnight of a
 * session that crosses it a whole day later, inventing a 24-hour gap inside the session.
 * So rows are buffered per contiguous session and all get the session's earliest day
 * (midnight UTC) plus their offset: gaps and order within a session are exact, the
 * absolute time is only right to the day. Rows are still emitted in file order, which in
 * DIGINETICA is not time order.
 */
export async function* readSessionTsv(path: string): AsyncGenerator<SourceRow> {
  let layout: SessionTsvLayout | undefined;
  let runSession: string | undefined;
  let runAnchor: number | undefined;
  let pending: Parsed[] = [];

  function* flush(): Generator<SourceRow> {
    if (runAnchor === undefined) {
      for (const p of pending)
        if ("day" in p && p.day !== undefined) runAnchor = Math.min(runAnchor ?? p.day, p.day);
    }
    for (const p of pending) {
      if ("error" in p) yield p;
      else
        yield {
          line: p.line,
          event: { ...p.event, timestamp: (runAnchor ?? 0) + (p.offset ?? 0) },
        };
    }
    pending = [];
  }

  for await (const { line, text } of readLines(path)) {
    if (layout === undefined) {
      const found = sessionTsvLayout(text);
      if (typeof found === "string") throw new SourceFormatError(path, `line ${line}: ${found}`);
      layout = found;
      continue;
    }
    const parsed = parseRow(layout, line, text);
    if (layout.time === "epoch") {
      yield parsed;
      continue;
    }
    if ("event" in parsed && parsed.event.sessionId !== runSession) {
      yield* flush();
      runSession = parsed.event.sessionId;
      runAnchor = undefined;
    }
    pending.push(parsed);
    if (pending.length >= MAX_BUFFERED) yield* flush();
  }
  if (layout === undefined) throw new SourceFormatError(path, "empty file; expected a header row");
  yield* flush();
}
