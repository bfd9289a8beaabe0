import { ApolloLink } from "@apollo/client";
import { print } from "graphql";
import { type Client, type ClientOptions, createClient } from "graphql-sse";
import { Observable } from "rxjs";
import { noteList } from "./timing.ts";

/**
 * A terminating Apollo link over GraphQL over SSE (graphql-sse's client in its default
 * "distinct connections" mode: one SSE stream per operation), which is what yoga serves.
 */
export class SSELink extends ApolloLink {
  private readonly client: Client;

  constructor(options: ClientOptions) {
    super();
    this.client = createClient(options);
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable((sink) => {
      // The first message is the current list, not a push.
      let initial = true;
      return this.client.subscribe<Record<string, unknown>, Record<string, unknown>>(
        {
          query: print(operation.query),
          operationName: operation.operationName,
          variables: operation.variables,
          extensions: operation.extensions,
        },
        {
          next: (value) => {
            noteList(value, initial);
            initial = false;
            sink.next(value as ApolloLink.Result);
          },
          complete: () => sink.complete(),
          error: (err) => sink.error(err),
        },
      );
    });
  }
}
