import { type ExecutionResult, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { ErrorCode } from "../domain/error-codes.ts";

/**
 * A request that never ran because graphql-js rejected its variables (an unknown enum
 * value, a string for an Int, a missing required field) comes back as `{ errors }` with
 * no `data` and errors without a code. Those are client mistakes like the ones the
 * resolvers report, so they get `extensions.code: "BAD_USER_INPUT"` too: clients and
 * tests branch on one code for every bad input, over HTTP, SSE and WebSocket alike.
 * Errors that already carry a code keep it.
 */
export function requestErrorCodesPlugin(): Plugin {
  const tag = (result: unknown): ExecutionResult | undefined => {
    if (!isPlainResult(result) || "data" in result || !result.errors?.length) return undefined;
    if (result.errors.every((e) => e.extensions?.code !== undefined)) return undefined;
    return {
      ...result,
      errors: result.errors.map((e) =>
        e.extensions?.code !== undefined
          ? e
          : new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              path: e.path,
              originalError: e.originalError,
              extensions: { ...e.extensions, code: "BAD_USER_INPUT" satisfies ErrorCode },
            }),
      ),
    };
  };
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        const tagged = tag(result);
        if (tagged) setResult(tagged);
      },
    }),
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) => {
        const tagged = tag(result);
        if (tagged) setResult(tagged);
      },
    }),
  };
}

function isPlainResult(r: unknown): r is ExecutionResult {
  return typeof r === "object" && r !== null && !(Symbol.asyncIterator in r);
}
