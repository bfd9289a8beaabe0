import { fork } from "node:child_process";
import type { SubscriberCommand, SubscriberReply } from "../push-subscriber.ts";

export interface Subscribers {
  opened: number;
  failed: number;
  /** Closes every subscription; each list received after the initial one: [session, version, at]. */
  collect(): Promise<[string, number, number][]>;
}

/**
 * One subscription per session, over SSE or graphql-ws, held by a child process
 * (bench/push-subscriber.ts) so that receiving does not share the load generator's event
 * loop. Resolves once every session's initial list has arrived.
 */
export async function openSubscribers(
  mode: "sse" | "ws",
  url: string,
  sessions: string[],
): Promise<Subscribers> {
  const child = fork(new URL("../push-subscriber.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies: SubscriberReply[] = [];
  let wake: (() => void) | undefined;
  child.on("message", (m: SubscriberReply) => {
    replies.push(m);
    wake?.();
  });
  const reply = async (): Promise<SubscriberReply> => {
    while (replies.length === 0) await new Promise<void>((r) => (wake = r));
    return replies.shift()!;
  };
  const send = (c: SubscriberCommand) => child.send(c);
  send({ cmd: "open", mode, url, sessions });
  const ready = await reply();
  if (ready.kind !== "ready") throw new Error("subscriber: unexpected reply");
  if (ready.failed > 0)
    console.error(`  ! ${ready.failed} subscriptions failed: ${ready.firstError}`);
  return {
    opened: ready.opened,
    failed: ready.failed,
    async collect() {
      send({ cmd: "collect" });
      const got = await reply();
      if (got.kind !== "receipts") throw new Error("subscriber: unexpected reply");
      return got.receipts;
    },
  };
}
