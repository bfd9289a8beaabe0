import { connect } from "node:net";
import { print } from "graphql";
import { WebSocket } from "ws";
import { RecommendationsFeedDocument } from "../../src/generated/graphql.ts";
import { wsUrl } from "./ws-client.ts";

export interface RawWs {
  socket: WebSocket;
  /** The close code and reason the client saw, and when (Date.now()). */
  closed: Promise<{ code: number; reason: string; at: number }>;
}
/**
 * A bare `ws` client speaking graphql-transport-ws: connection_init, ack, one
 * RecommendationsFeed subscription, its first list. `autoPong: false` makes it a client
 * that never answers the server's pings (a vanished laptop).
 */
export async function rawSubscriber(
  url: string,
  sessionId: string,
  opts: { autoPong?: boolean } = {},
): Promise<RawWs> {
  const socket = new WebSocket(wsUrl(url), "graphql-transport-ws", {
    autoPong: opts.autoPong ?? true,
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) =>
    socket.once("close", (code, reason) =>
      resolve({ code, reason: reason.toString(), at: Date.now() }),
    ),
  );
  const message = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        const m = JSON.parse(data.toString()) as Record<string, unknown>;
        if (m.type !== type) return;
        socket.off("message", onMessage);
        resolve(m);
      };
      socket.on("message", onMessage);
      socket.once("close", (code) => reject(new Error(`closed (${code}) before ${type}`)));
    });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const ack = message("connection_ack");
  socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
  await ack;
  const first = message("next");
  socket.send(
    JSON.stringify({
      id: "1",
      type: "subscribe",
      payload: { query: print(RecommendationsFeedDocument), variables: { sessionId } },
    }),
  );
  await first;
  return { socket, closed };
}

/** Whether a new TCP connection to the port is refused. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(false);
    });
    c.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}
