import type { Cluster, Command, Redis } from "ioredis";

/** Told of every Redis command a store sends: its name, seconds from send to reply, failed. */
export type CommandObserver = (command: string, seconds: number, failed: boolean) => void;

const observed = new WeakSet<Command>();
const timed = new WeakSet<Redis | Cluster>();

/**
 * Times every command the client sends (pipelined and scripted ones included) from send to
 * reply, and tells which failed. NOSCRIPT replies are not failures: ioredis answers them
 * itself by sending the script (EVAL) once. The stores' `observeCommands` installs it.
 */
export function timeCommands(client: Redis | Cluster, observer: CommandObserver): void {
  if (timed.has(client)) return;
  timed.add(client);
  const send = client.sendCommand.bind(client) as (c: Command, ...r: unknown[]) => unknown;
  // All arguments pass through: a Cluster's sendCommand takes a third one (the node).
  (client as { sendCommand: (c: Command, ...r: unknown[]) => unknown }).sendCommand = (
    command: Command,
    ...rest: unknown[]
  ) => {
    // A command re-sent from the offline queue passes here again: time it once.
    if (!observed.has(command)) {
      observed.add(command);
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      const name = command.name.toLowerCase();
      command.promise.then(
        () => observer(name, seconds(), false),
        (err: unknown) => {
          const noscript = err instanceof Error && err.message.startsWith("NOSCRIPT");
          observer(name, seconds(), !noscript);
        },
      );
    }
    return send(command, ...rest);
  };
}
