/**
 * The subscriber side of the push benchmark, run as a separate process (forked by
 * bench/push.ts): opens one subscription per session over SSE or graphql-ws, waits for each
 * session's initial list, then records when each new list version arrives
 * (performance.timeOrigin + performance.now(), comparable with the driver's clock).
 */
import { get, type IncomingMessage } from "node:http";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { wallMs } from "./lib/stats.ts";

export type SubscriberCommand =
  | { cmd: "open"; mode: "sse" | "ws"; url: string; sessions: string[] }
  | { cmd: "collect" };

export type SubscriberReply =
  | { kind: "ready"; opened: number; failed: number; firstError?: string }
  | { kind: "receipts"; receipts: [string, number, number][]; errors: number };

const SUBSCRIPTION =
  "subscription Live($sessionId: ID!) { recommendations(sessionId: $sessionId, limit: 10) { sessionId version items { itemId } } }";

const receipts: [string, number, number][] = [];
let errors = 0;
const closers: (() => void)[] = [];

interface ListMsg {
  data?: { recommendations?: { sessionId: string; version: number } };
}

function record(msg: ListMsg, onFirst: () => void): void {
  const t = wallMs();
  const l = msg.data?.recommendations;
  if (!l) {
    errors++;
    return;
  }
  receipts.push([l.sessionId, l.version, t]);
  onFirst();
}

function openSse(url: string, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    u.searchParams.set("query", SUBSCRIPTION);
    u.searchParams.set("variables", JSON.stringify({ sessionId }));
    let first = true;
    const once = () => {
      if (first) {
        first = false;
        resolve();
      }
    };
    const req = get(
      u,
      { headers: { accept: "text/event-stream" }, agent: false },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          reject(new Error(`SSE status ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding("utf8");
        let buf = "";
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let at = buf.indexOf("\n\n"); at !== -1; at = buf.indexOf("\n\n")) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            let event = "message";
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
            if (event === "next" && data) record(JSON.parse(data) as ListMsg, once);
          }
        });
        res.on("error", () => {});
      },
    );
    req.on("error", reject);
    closers.push(() => req.destroy());
  });
}

function openWs(url: string, sessionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const client: Client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
    });
    let first = true;
    const stop = client.subscribe(
      { query: SUBSCRIPTION, variables: { sessionId } },
      {
        next: (msg) =>
          record(msg as ListMsg, () => {
            if (first) {
              first = false;
              resolve();
            }
          }),
        error: (e) => {
          errors++;
          reject(e instanceof Error ? e : new Error(JSON.stringify(e)));
        },
        complete: () => {},
      },
    );
    closers.push(() => {
      stop();
      void client.dispose();
    });
  });
}

async function open(mode: "sse" | "ws", url: string, sessions: string[]): Promise<SubscriberReply> {
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const STEP = 100;
  for (let i = 0; i < sessions.length; i += STEP) {
    await Promise.all(
      sessions.slice(i, i + STEP).map((s) =>
        (mode === "sse" ? openSse(url, s) : openWs(url, s)).then(
          () => void opened++,
          (e: unknown) => {
            failed++;
            firstError ??= String(e);
          },
        ),
      ),
    );
  }
  receipts.length = 0; // initial lists are not pushes
  errors = 0;
  return { kind: "ready", opened, failed, ...(firstError ? { firstError } : {}) };
}

process.on("message", (m: SubscriberCommand) => {
  if (m.cmd === "open") {
    void open(m.mode, m.url, m.sessions).then((r) => process.send?.(r));
  } else if (m.cmd === "collect") {
    for (const c of closers) c();
    process.send?.({ kind: "receipts", receipts, errors } satisfies SubscriberReply, () =>
      process.exit(0),
    );
  }
});
