import type { FieldError } from "../../domain/result.ts";

/** A log row that could not be used: reported by line number, never dropped silently. */
export interface BadRow {
  line: number;
  error: string;
}

/** One line for a rejected row: every problem, without the `row.`/`item.` path prefix. */
export function badRow(line: number, errors: readonly FieldError[], prefix: string): BadRow {
  return {
    line,
    error: errors.map((e) => `${e.field.slice(prefix.length + 1)}: ${e.message}`).join("; "),
  };
}
