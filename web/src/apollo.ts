import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import { SSELink } from "./sse-link.ts";
import { setConnection } from "./status.ts";
import { noteList } from "./timing.ts";

export type Transport = "ws" | "sse";

/** `?transport=sse` selects Server-Sent Events for subscriptions; WebSocket otherwise. */
export function transportFromUrl(): Transport {
  return new URLSearchParams(location.search).get("transport") === "sse" ? "sse" : "ws";
}

/** The GraphQL endpoint of the page's server. */
export const graphqlUrl = (): string => new URL("/graphql", location.href).toString();

/**
 * Queries and mutations over HTTP; subscriptions over graphql-ws (WebSocket) or
 * GraphQL over SSE (graphql-sse, distinct connections mode), both on /graphql.
 */
export function createApollo(transport: Transport): ApolloClient {
  const httpUrl = graphqlUrl();
  const http = new HttpLink({ uri: httpUrl });
  let live: ApolloLink;
  if (transport === "sse") {
    live = new SSELink({ url: httpUrl });
    setConnection("SSE");
  } else {
    // Operations that have had their first message (the current list): later ones are pushes.
    const pushed = new Set<string>();
    live = new GraphQLWsLink(
      createClient({
        url: httpUrl.replace(/^http/, "ws"),
        retryAttempts: Number.POSITIVE_INFINITY,
        on: {
          // Every list's arrival, off the socket, before Apollo and React see it.
          message: (m) => {
            if (m.type !== "next") return;
            noteList(m.payload, !pushed.has(m.id));
            pushed.add(m.id);
          },
          connecting: () => setConnection("connecting"),
          connected: () => setConnection("WebSocket"),
          closed: () => setConnection("disconnected"),
        },
      }),
    );
  }
  return new ApolloClient({
    link: ApolloLink.split((op) => op.operationType === OperationTypeNode.SUBSCRIPTION, live, http),
    cache: new InMemoryCache(),
  });
}
