import type { SessionEvent } from "../../domain/event-type.ts";

/**
 * An event as a log or a client hands it over, before validation. Only the two fields
 * every reader can always fill are required; the validator decides the rest.
 * Derived from `SessionEvent` so a field added there shows up here (and in the JSONL
 * field table, which must then be extended or it stops compiling).
 */
export interface RawEventInput
  extends Omit<Partial<SessionEvent>, "sessionId" | "type" | "timestamp"> {
  sessionId: string;
  type: string;
  /** Epoch milliseconds, or an ISO-8601 string. */
  timestamp?: number | string;
}

/**
 * One data line of a source. A line that cannot be turned into an event is still
 * reported, with its 1-based line number, so an import can count and show what it skipped.
 */
export type SourceRow = { line: number; event: RawEventInput } | { line: number; error: string };

/**
 * The file as a whole is not in the expected format (missing or wrong header, unknown
 * layout). Thrown rather than reported per row: no row of such a file can be trusted.
 */
export class SourceFormatError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "SourceFormatError";
  }
}
