import type { Command, Redis } from "ioredis";
import type { ServiceMetrics } from "./metrics.ts";

const observed = new WeakSet<Command>();
const instrumented = new WeakSet<Redis>();

/**
 * Times every command the client sends (pipelined and scripted ones included) from send to
 * reply, and counts the failed ones. NOSCRIPT replies are not failures: ioredis answers
 * them itself by sending the script (EVAL) once.
 */
export function instrumentRedis(client: Redis, metrics: ServiceMetrics): void {
  if (instrumented.has(client)) return;
  instrumented.add(client);
  const send = client.sendCommand.bind(client);
  // All arguments pass through: a Cluster's sendCommand takes a third one (the node).
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    // A command re-sent from the offline queue passes here again: time it once.
    if (!observed.has(command)) {
      observed.add(command);
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      const name = command.name.toLowerCase();
      command.promise.then(
        () => metrics.redisCommand(name, seconds(), false),
        (err: unknown) => {
          const noscript = err instanceof Error && err.message.startsWith("NOSCRIPT");
          metrics.redisCommand(name, seconds(), !noscript);
        },
      );
    }
    return (send as (c: Command, ...r: unknown[]) => unknown)(command, ...rest) as ReturnType<
      Redis["sendCommand"]
    >;
  };
}

/** The ioredis client of a store, if it has one (the Redis store). */
export function redisClientOf(store: object): Redis | undefined {
  const client = (store as { client?: unknown }).client;
  return client && typeof (client as Redis).sendCommand === "function"
    ? (client as Redis)
    : undefined;
}
