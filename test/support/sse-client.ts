import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type FormattedExecutionResult, getOperationAST, print } from "graphql";
import { AsyncQueue } from "./async-queue.ts";

/**
 * A GraphQL subscription over Server-Sent Events, as a browser's fetch would run it against
 * yoga 5 (distinct-connections mode): one request with `Accept: text/event-stream`, then a
 * stream of frames:
 *
 *   :\n\n                                  a ping (yoga sends one at once, then periodically)
 *   event: next\ndata: {"data":...}\n\n    one execution result
 *   event: complete\ndata:\n\n             the server ended the subscription
 *
 * Each `next` payload is pushed to `results`; `complete` or the end of the body ends it.
 */
export interface SseSubscription<R> {
  readonly status: number;
  readonly contentType: string;
  readonly results: AsyncQueue<FormattedExecutionResult<R>>;
  /** The next execution result (data and/or errors). */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<R>>;
  /** The next result's data; throws with the whole result when it carries errors. */
  nextData(timeoutMs?: number): Promise<R>;
  /** Resolves when no result arrives within `ms`. */
  expectNothing(ms: number): Promise<void>;
  /** Resolves when the server has ended the stream (complete or closed body). */
  readonly done: Promise<void>;
  /** Aborts the request (the server sees the connection close) and waits for the reader. */
  close(): Promise<void>;
}

export interface SseOptions {
  method?: "POST" | "GET";
  headers?: Record<string, string>;
}

export async function sseSubscribe<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  opts: SseOptions = {},
): Promise<SseSubscription<R>> {
  const operationName = getOperationAST(document)?.name?.value;
  const query = print(document);
  const label = `SSE ${operationName ?? "subscription"} ${JSON.stringify(variables)}`;
  const abort = new AbortController();
  const headers = { accept: "text/event-stream", ...opts.headers };
  let res: Response;
  if (opts.method === "GET") {
    const u = new URL(url);
    u.searchParams.set("query", query);
    if (operationName) u.searchParams.set("operationName", operationName);
    u.searchParams.set("variables", JSON.stringify(variables));
    res = await fetch(u, { headers, signal: abort.signal });
  } else {
    res = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ query, operationName, variables }),
      signal: abort.signal,
    });
  }

  const results = new AsyncQueue<FormattedExecutionResult<R>>(label);
  const contentType = res.headers.get("content-type") ?? "";
  let closing = false;

  const pump = async (): Promise<void> => {
    if (!res.body) {
      results.end(new Error(`${label}: response has no body (HTTP ${res.status})`));
      return;
    }
    if (!contentType.includes("text/event-stream")) {
      // Not a stream (a request-level error): surface the one JSON result it holds.
      const text = await res.text();
      try {
        results.push(JSON.parse(text) as FormattedExecutionResult<R>);
      } catch {
        results.end(
          new Error(`${label}: HTTP ${res.status} ${contentType}: ${text.slice(0, 2000)}`),
        );
      }
      results.end(new Error(`${label}: not an event stream (HTTP ${res.status}, ${contentType})`));
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let event = "";
    let data: string[] = [];
    const dispatch = (): boolean => {
      const ev = event || "message";
      const payload = data.join("\n");
      event = "";
      data = [];
      if (ev === "complete") return false;
      if (ev === "next") {
        try {
          results.push(JSON.parse(payload) as FormattedExecutionResult<R>);
        } catch {
          results.end(new Error(`${label}: bad JSON in a next frame: ${payload.slice(0, 2000)}`));
          return false;
        }
      }
      return true;
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl = buf.indexOf("\n");
        while (nl >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, "");
          buf = buf.slice(nl + 1);
          nl = buf.indexOf("\n");
          if (line === "") {
            if (event !== "" || data.length > 0) {
              if (!dispatch()) {
                results.end(new Error(`${label}: completed by the server`));
                await reader.cancel().catch(() => {});
                return;
              }
            }
            continue;
          }
          if (line.startsWith(":")) continue; // comment / ping
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let val = colon < 0 ? "" : line.slice(colon + 1);
          if (val.startsWith(" ")) val = val.slice(1);
          if (field === "event") event = val;
          else if (field === "data") data.push(val);
        }
      }
      results.end(new Error(`${label}: the server closed the stream`));
    } catch (e) {
      results.end(
        closing
          ? new Error(`${label}: closed by the client`)
          : new Error(`${label}: stream failed: ${String(e)}`),
      );
    }
  };
  const done = pump();

  const sub: SseSubscription<R> = {
    status: res.status,
    contentType,
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
    done,
    async close() {
      closing = true;
      abort.abort();
      await done;
    },
  };
  return sub;
}
