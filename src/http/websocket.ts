import type { Server } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import { requestId } from "../observability/http.ts";
import type { Logger } from "../observability/logger.ts";

export interface WebSockets {
  readonly wss: WebSocketServer;
  /** Stops the heartbeat (at shutdown, before the sockets are closed). */
  stopHeartbeat(): void;
}

/**
 * WebSockets on `path` of the HTTP server: a message larger than `maxPayload` closes its
 * connection (1009), every socket is logged at open and close, and a heartbeat pings each
 * one every `heartbeatSeconds`: a socket that did not answer the previous ping is gone
 * (laptop closed, network dropped) and is terminated, which ends its subscriptions and
 * releases their feeds. What is spoken on them is graphql/websocket.ts's.
 */
export function openWebSockets(
  http: Server,
  opts: { path: string; maxPayload: number; heartbeatSeconds: number; logger: Logger },
): WebSockets {
  const { logger } = opts;
  const wss = new WebSocketServer({ server: http, path: opts.path, maxPayload: opts.maxPayload });
  const alive = new WeakMap<WebSocket, boolean>();
  wss.on("connection", (socket, req) => {
    const reqId = requestId(req);
    logger.debug({ reqId, path: opts.path, transport: "ws" }, "websocket open");
    socket.once("close", (code) =>
      logger.debug({ reqId, code, transport: "ws" }, "websocket closed"),
    );
    alive.set(socket, true);
    socket.on("pong", () => alive.set(socket, true));
  });
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, opts.heartbeatSeconds * 1000);
  heartbeat.unref();
  wss.on("close", () => clearInterval(heartbeat));
  return { wss, stopHeartbeat: () => clearInterval(heartbeat) };
}
