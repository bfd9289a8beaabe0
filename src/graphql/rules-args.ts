import type { Config } from "../config.ts";
import type { FieldError } from "../domain/result.ts";
import { type ListRules, type RawRules, validateRules } from "../recommend/rules.ts";
import { builder } from "./builder.ts";
import { PinInput, RecommendationFilter } from "./types/catalog.ts";

/** The `filter` and `pin` arguments of `recommendations` (query and subscription). */
export const ruleArgs = builder.args((t) => ({
  filter: t.field({ type: RecommendationFilter }),
  pin: t.field({ type: [PinInput], description: "Items kept at given positions." }),
}));

/** Checks filter and pins into `errors`; the rules, or undefined when they ask for nothing. */
export function checkRules(
  raw: RawRules,
  config: Config,
  errors: FieldError[],
): ListRules | undefined {
  const checked = validateRules(raw, config);
  if (!checked.ok) {
    errors.push(...checked.errors);
    return undefined;
  }
  return checked.value;
}
