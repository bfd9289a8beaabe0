/** Expected failures are values; only unexpected ones are thrown (and masked at the edge). */
export interface FieldError {
  /** Path of the offending input field, e.g. `event.itemId` or `events[3].prices`. */
  field: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };
