import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { GraphQLContext } from "./context.ts";
import { usePrecomputedResult } from "./direct.ts";
import { maskErrors } from "./errors.ts";
import { EXAMPLE_OPERATIONS } from "./examples.ts";
import { requestErrorCodesPlugin } from "./request-errors.ts";
import { schema } from "./schema.ts";

/** Builds a request's context; `init` is yoga's (HTTP: `request`) or graphql-ws's (`connectionParams`). */
export type ContextFactory = (init?: {
  request?: Request;
  connectionParams?: Readonly<Record<string, unknown>>;
}) => GraphQLContext;

/** The GraphQL endpoint: yoga with the Pothos schema, GraphiQL and masked errors. */
export function createGraphQLHandler(
  context: ContextFactory,
  opts: {
    graphiql: boolean;
    plugins?: Plugin<GraphQLContext>[];
    /** Told of every error masked as "Unexpected error.", so it is logged, not lost. */
    onUnexpected?: (error: unknown) => void;
  },
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: (init) => context(init as Parameters<ContextFactory>[0]),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Unexpected errors become "Unexpected error." with no stack; GraphQLErrors we throw
    // on purpose (bad input) pass through; store outages become SERVICE_UNAVAILABLE.
    maskedErrors: {
      maskError: (error, message, isDev) => {
        const masked = maskErrors(error, message, isDev);
        if (masked.message === message) opts.onUnexpected?.(error);
        return masked;
      },
    },
    logging: false,
    // Variables graphql-js rejects (e.g. an unknown enum value) are bad input too.
    // Then the server's own (access, operation limits: see http/server.ts).
    // A result the direct path computed replaces execution (before the server's plugins).
    plugins: [
      requestErrorCodesPlugin(),
      usePrecomputedResult() as Plugin,
      ...((opts.plugins ?? []) as Plugin[]),
    ],
    graphiql: opts.graphiql
      ? {
          title: "sessionrank",
          subscriptionsProtocol: "WS",
          defaultQuery: EXAMPLE_OPERATIONS,
        }
      : false,
  });
}
