import { readLines } from "./lines.ts";
import type { RawEventInput, SourceRow } from "./raw-event.ts";

type FieldKind = "string" | "timestamp" | "strings" | "numbers";

// `satisfies Record<keyof RawEventInput, …>` makes this stop compiling when SessionEvent
// gains a field, so a new field cannot be dropped here unnoticed.
const FIELDS = {
  eventId: "string",
  sessionId: "string",
  userId: "string",
  timestamp: "timestamp",
  type: "string",
  itemId: "string",
  impressions: "strings",
  prices: "numbers",
  filters: "strings",
  sort: "string",
  city: "string",
  platform: "string",
  device: "string",
  query: "string",
} as const satisfies Record<keyof RawEventInput, FieldKind>;

const REQUIRED = ["sessionId", "type"] as const satisfies readonly (keyof RawEventInput)[];

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "timestamp":
      return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
    case "strings":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "numbers":
      return (
        Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isFinite(v))
      );
  }
}

const KIND_TEXT: Record<FieldKind, string> = {
  string: "a string",
  timestamp: "a number (epoch ms) or a string",
  strings: "an array of strings",
  numbers: "an array of finite numbers",
};

/**
 * Checks the JSON types of the known fields so that what comes out really has the
 * RawEventInput shape; the per-type business rules stay with the validator. `null` counts
 * as absent, as it does in GraphQL input. Unknown keys are ignored so that clients can
 * send fields a newer server understands.
 */
export function jsonToEvent(value: unknown): RawEventInput | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `expected a JSON object, got ${describe(value)}`;
  }
  const input = value as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => input[k] === undefined || input[k] === null);
  if (missing.length > 0) return `missing required field(s): ${missing.join(", ")}`;

  const event: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(FIELDS) as [keyof RawEventInput, FieldKind][]) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (!hasKind(v, kind)) return `field ${key} must be ${KIND_TEXT[kind]}, got ${describe(v)}`;
    event[key] = v;
  }
  return event as unknown as RawEventInput;
}

/** Streams a JSON Lines file (plain or gzip) of one event object per line; blank lines are skipped. */
export async function* readJsonLines(path: string): AsyncGenerator<SourceRow> {
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      yield { line, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
      continue;
    }
    const result = jsonToEvent(parsed);
    yield typeof result === "string" ? { line, error: result } : { line, event: result };
  }
}
