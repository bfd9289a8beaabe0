import { Kind } from "graphql";
import { builder } from "./builder.ts";
import { apiError } from "./errors.ts";

/**
 * A value of another JSON type is a client mistake, so it is a GraphQLError with
 * BAD_USER_INPUT. (A plain TypeError would reach yoga as the originalError of the
 * coercion error, and yoga masks that as "Unexpected error." / INTERNAL_SERVER_ERROR.)
 */
const wrongType = () =>
  apiError("BAD_USER_INPUT", "Timestamp must be epoch milliseconds or an ISO-8601 string");

/**
 * Epoch milliseconds or an ISO-8601 string on input (checked with the other event rules,
 * so batch errors name the event index); ISO-8601 with milliseconds on output.
 */
export const Timestamp = builder.scalarType("Timestamp", {
  description:
    "Input: epoch milliseconds or an ISO-8601 date-time. Output: ISO-8601 with milliseconds.",
  serialize: (ms) => new Date(ms).toISOString(),
  parseValue: (v) => {
    if (typeof v === "number" || typeof v === "string") return v;
    throw wrongType();
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value);
    if (ast.kind === Kind.STRING) return ast.value;
    throw wrongType();
  },
});
