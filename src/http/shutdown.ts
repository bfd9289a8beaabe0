import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { WebSocketServer } from "ws";

/**
 * The requests a server has open, so that a graceful stop can let them finish: event
 * streams (SSE) apart from the others, which are waited for.
 */
export class OpenRequests {
  readonly inFlight = new Set<ServerResponse>();
  readonly streams = new Set<ServerResponse>();

  track(req: IncomingMessage, res: ServerResponse): void {
    const set = req.headers.accept?.includes("text/event-stream") ? this.streams : this.inFlight;
    set.add(res);
    res.once("close", () => set.delete(res));
  }
}

export interface StopParts {
  http: Server;
  open: OpenRequests;
  wss: WebSocketServer;
  /** The protocol spoken on the sockets, disposed (closes each with 1001). */
  websocket: { dispose(): void | Promise<void> };
  stopHeartbeat(): void;
  /** Ends every subscriber's feed still open. */
  closeFeeds(): Promise<void>;
  graceMs: number;
}

/**
 * Graceful stop, in order: (1) stop listening, so new connections are refused; (2) let
 * in-flight requests finish, up to the grace period; (3) close WebSocket sockets with
 * 1001 (going away), terminating those that do not answer within the grace period;
 * (4) cut SSE streams (no `complete`: like a dropped connection, it tells clients to
 * reconnect, to another instance, rather than that the subscription is over); (5) end
 * any feed still open; (6) close idle keep-alive connections, and any left at the end of
 * the grace period. The store stays open: the caller closes it afterwards.
 */
export async function stopGracefully(p: StopParts): Promise<void> {
  const waitFor = async (done: () => boolean, until: number) => {
    while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  };
  p.stopHeartbeat();
  const httpClosed = new Promise<void>((resolve) => p.http.close(() => resolve()));
  await waitFor(() => p.open.inFlight.size === 0, Date.now() + p.graceMs);
  const wsDeadline = Date.now() + p.graceMs;
  const disposed = Promise.resolve(p.websocket.dispose()).catch(() => {});
  await waitFor(() => p.wss.clients.size === 0, wsDeadline);
  for (const c of p.wss.clients) c.terminate();
  await disposed;
  for (const res of p.open.streams) res.destroy();
  await p.closeFeeds();
  // Ended event streams leave their keep-alive connections idle a moment later.
  p.http.closeIdleConnections();
  const idle = setInterval(() => p.http.closeIdleConnections(), 20);
  const force = setTimeout(() => p.http.closeAllConnections(), p.graceMs);
  await httpClosed;
  clearInterval(idle);
  clearTimeout(force);
}
