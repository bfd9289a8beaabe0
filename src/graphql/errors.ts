import { GraphQLError } from "graphql";
import type { FieldError } from "../domain/result.ts";

/**
 * A client mistake: the message names every offending field, and `extensions.fields`
 * carries them as data for programs. Yoga passes GraphQLErrors through unmasked.
 */
export function badInput(
  errors: readonly FieldError[],
  extra: Record<string, unknown> = {},
): GraphQLError {
  const message = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  return new GraphQLError(`Invalid input: ${message}`, {
    extensions: { code: "BAD_USER_INPUT", fields: errors, ...extra },
  });
}
