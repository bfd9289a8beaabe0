import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { GraphQLContext } from "./context.ts";
import { EXAMPLE_OPERATIONS } from "./examples.ts";
import { useRequestErrorCodes } from "./request-errors.ts";
import { schema } from "./schema.ts";

export type ContextFactory = () => GraphQLContext;

/** The GraphQL endpoint: yoga with the Pothos schema, GraphiQL and masked errors. */
export function createGraphQLHandler(
  context: ContextFactory,
  opts: { graphiql: boolean },
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    context: () => context(),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Unexpected errors become "Unexpected error." with no stack; GraphQLErrors we throw
    // on purpose (bad input, unavailable store) pass through.
    maskedErrors: true,
    logging: false,
    // Variables graphql-js rejects (e.g. an unknown enum value) are bad input too.
    plugins: [useRequestErrorCodes()],
    graphiql: opts.graphiql
      ? {
          title: "sessionrank",
          subscriptionsProtocol: "WS",
          defaultQuery: EXAMPLE_OPERATIONS,
        }
      : false,
  });
}
