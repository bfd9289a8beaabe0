import type { Config } from "../../config.ts";
import type { FieldError } from "../../domain/result.ts";
import { type ListRules, type RawRules, validateRules } from "../../recommend/rules.ts";
import { builder } from "../builder.ts";

export const BoostInput = builder.inputType("BoostInput", {
  description:
    "Adds `weight` to the score of items having `property`, or of the given items (exactly one of the two). A negative weight lowers them.",
  fields: (t) => ({
    property: t.string(),
    itemIds: t.idList(),
    weight: t.float({ required: true }),
  }),
});

export const PinInput = builder.inputType("PinInput", {
  description:
    "Keeps an item at a 1-based position (inserted when not in the list, unless a filter excludes it).",
  fields: (t) => ({
    itemId: t.id({ required: true }),
    position: t.int({ required: true }),
  }),
});

export const RecommendationFilter = builder.inputType("RecommendationFilter", {
  description:
    "What a list may show. Applies to reranked and next-item lists alike; an excluded item is never shown, boosted or pinned.",
  fields: (t) => ({
    excludeItems: t.idList(),
    excludeSeen: t.boolean({
      description:
        "Leave out items this session or its user already clicked out, put in the cart or bought.",
    }),
    requireProperties: t.stringList({
      description: "Show only items having every one of these properties.",
    }),
    city: t.string({ description: "Show only items of this catalogue city." }),
    boost: t.field({ type: [BoostInput] }),
  }),
});

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
