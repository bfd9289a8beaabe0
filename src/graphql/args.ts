import type { Config } from "../config.ts";
import type { FieldError } from "../domain/result.ts";
import { badInput } from "./errors.ts";

const ID_PATTERN = /^[^\s{}|\p{Cc}\p{Cf}]+$/u;

/** Checks the id arguments of queries with the same rules as event ids. */
export function checkId(field: string, value: string, config: Config, errors: FieldError[]): void {
  if (value.length === 0) errors.push({ field, message: "must not be empty" });
  else if (value.length > config.MAX_ID_LENGTH)
    errors.push({ field, message: `must be at most ${config.MAX_ID_LENGTH} characters` });
  else if (!ID_PATTERN.test(value))
    errors.push({
      field,
      message: "must not contain whitespace, control characters, '{', '}' or '|'",
    });
}

export function checkLimit(
  value: number | null | undefined,
  config: Config,
  errors: FieldError[],
): void {
  if (value !== null && value !== undefined && (value < 1 || value > config.MAX_CANDIDATES))
    errors.push({ field: "limit", message: `must be between 1 and ${config.MAX_CANDIDATES}` });
}

export function throwIfAny(errors: FieldError[]): void {
  if (errors.length > 0) throw badInput(errors);
}
