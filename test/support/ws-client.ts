import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type FormattedExecutionResult, getOperationAST, print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import { WebSocket } from "ws";
import { AsyncQueue } from "./async-queue.ts";

/** ws://host:port/graphql for an http:// GraphQL URL. */
export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, "ws");
}

export interface WsClient {
  readonly client: Client;
  /** Disposes the client and resolves once its socket has closed. */
  close(): Promise<void>;
}

/**
 * A graphql-ws client over the `ws` package, as a Node service would use it. No retries:
 * a dropped connection is a failure the test must see, not something to paper over.
 */
export function wsClient(httpUrl: string): WsClient {
  let open = false;
  let onClosed: (() => void) | undefined;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    lazyCloseTimeout: 0,
    on: {
      opened: () => {
        open = true;
      },
      closed: () => {
        open = false;
        onClosed?.();
      },
    },
  });
  return {
    client,
    async close() {
      const closed = open ? new Promise<void>((r) => (onClosed = r)) : Promise.resolve();
      await client.dispose();
      await closed;
    },
  };
}

/** One subscription's results, taken one at a time (see AsyncQueue). */
export interface WsSubscription<R> {
  readonly results: AsyncQueue<FormattedExecutionResult<R>>;
  next(timeoutMs?: number): Promise<FormattedExecutionResult<R>>;
  /** The next result's data; throws with the whole result when it carries errors. */
  nextData(timeoutMs?: number): Promise<R>;
  expectNothing(ms: number): Promise<void>;
  /**
   * Completes the subscription; when the subscription opened its own connection, also
   * closes that and waits for the socket to close.
   */
  close(): Promise<void>;
}

/**
 * Subscribes over graphql-ws. Without `client`, the subscription gets its own connection
 * (one socket per subscriber, like separate browsers); pass a client to multiplex.
 */
export function wsSubscribe<R, V>(
  httpUrl: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  opts: { client?: WsClient } = {},
): WsSubscription<R> {
  const own = opts.client === undefined;
  const c = opts.client ?? wsClient(httpUrl);
  const operationName = getOperationAST(document)?.name?.value;
  const label = `WS ${operationName ?? "subscription"} ${JSON.stringify(variables)}`;
  const results = new AsyncQueue<FormattedExecutionResult<R>>(label);
  const unsubscribe = c.client.subscribe<R>(
    {
      query: print(document),
      ...(operationName ? { operationName } : {}),
      variables: variables as Record<string, unknown>,
    },
    {
      next: (value) => results.push(value as FormattedExecutionResult<R>),
      error: (err) => {
        // Request errors arrive as a list of GraphQL errors; transport errors as a close event.
        if (Array.isArray(err)) {
          results.push({ errors: err } as FormattedExecutionResult<R>);
          results.end(new Error(`${label}: failed with ${JSON.stringify(err)}`));
        } else {
          const e = err as { code?: number; reason?: string; message?: string };
          results.end(
            new Error(
              `${label}: socket error ${e.code ?? ""} ${e.reason ?? e.message ?? String(err)}`,
            ),
          );
        }
      },
      complete: () => results.end(new Error(`${label}: completed`)),
    },
  );
  return {
    results,
    next: (timeoutMs) => results.next(timeoutMs),
    async nextData(timeoutMs) {
      const r = await results.next(timeoutMs);
      if (r.errors?.length || !r.data) {
        throw new Error(`${label}: result with errors: ${JSON.stringify(r, null, 2)}`);
      }
      return r.data;
    },
    expectNothing: (ms) => results.expectNothing(ms),
    async close() {
      unsubscribe();
      results.end(new Error(`${label}: closed by the client`));
      if (own) await c.close();
    },
  };
}
