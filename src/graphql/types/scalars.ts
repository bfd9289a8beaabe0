import { Kind } from "graphql";
import { builder } from "../builder.ts";

/**
 * Epoch milliseconds or an ISO-8601 string on input (checked with the other event rules,
 * so batch errors name the event index); ISO-8601 with milliseconds on output.
 */
export const Timestamp = builder.scalarType("Timestamp", {
  description: "Input: epoch milliseconds or an ISO-8601 date-time. Output: ISO-8601 with milliseconds.",
  serialize: (ms) => new Date(ms).toISOString(),
  parseValue: (v) => {
    if (typeof v === "number" || typeof v === "string") return v;
    throw new TypeError("Timestamp must be epoch milliseconds or an ISO-8601 string");
  },
  parseLiteral: (ast) => {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return Number(ast.value);
    if (ast.kind === Kind.STRING) return ast.value;
    throw new TypeError("Timestamp must be epoch milliseconds or an ISO-8601 string");
  },
});
