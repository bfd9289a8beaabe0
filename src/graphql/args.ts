import type { Config } from "../config.ts";
import { cityProblem, idProblem } from "../domain/ids.ts";
import type { FieldError } from "../domain/result.ts";
import { badInput } from "./errors.ts";

/** Checks the id arguments of queries with the same rules as event ids. */
export function checkId(field: string, value: string, config: Config, errors: FieldError[]): void {
  const problem = idProblem(value, config.MAX_ID_LENGTH);
  if (problem) errors.push({ field, message: problem });
}

/** Checks a city argument with the same rule as an event's city. */
export function checkCity(
  field: string,
  value: string | null | undefined,
  config: Config,
  errors: FieldError[],
): void {
  const problem = value ? cityProblem(value, config.MAX_STRING_LENGTH) : undefined;
  if (problem) errors.push({ field, message: problem });
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
