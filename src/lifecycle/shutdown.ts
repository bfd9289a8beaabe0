import type { Logger } from "../observability/logger.ts";

/**
 * How long a worker or single process may take to stop: its server's close() waits up to
 * three 2 s grace periods (in-flight requests, WebSocket close frames, lingering
 * connections). Under Docker's default 10 s between SIGTERM and SIGKILL.
 */
export const STOP_DEADLINE_MS = 8000;

export interface Shutdown {
  /** Adds a step of the stop; steps run last added first (a server before its store). */
  add(step: () => Promise<void>): void;
  /**
   * Stops the process: runs every step once, then exits with `code`, or with 1 when a step
   * fails or the steps outlast the deadline. Later calls and signals join the first stop.
   */
  stop(reason: string, code?: number): Promise<never>;
}

/**
 * The one stop of every process: the primary of several workers, a worker, the single
 * process. SIGTERM (a supervisor) and SIGINT (Ctrl-C) stop it with exit code 0 once the
 * steps are done; a process that cannot serve calls stop() itself with a non-zero code.
 *
 * A second signal does not cut the stop short: Ctrl-C reaches every process of the
 * terminal's group, so a worker hears it from the terminal and again from its primary,
 * and `npm start` passes on the SIGINT its child already got.
 */
export function registerShutdown(opts: { logger: Logger; deadlineMs: number }): Shutdown {
  const steps: Array<() => Promise<void>> = [];
  let stopping: Promise<never> | undefined;

  const run = async (reason: string, code: number): Promise<never> => {
    const t0 = Date.now();
    const level = code === 0 ? "info" : "error";
    opts.logger[level]({ reason, exitCode: code }, `stopping: ${reason}`);
    const late = setTimeout(() => {
      opts.logger.error(
        { reason, deadlineMs: opts.deadlineMs },
        `not stopped within ${opts.deadlineMs} ms; exiting anyway`,
      );
      process.exit(1);
    }, opts.deadlineMs);
    let exitCode = code;
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (err) {
        opts.logger.error({ err }, `stop step failed: ${(err as Error).message}`);
        exitCode = exitCode || 1;
      }
    }
    clearTimeout(late);
    opts.logger[exitCode === 0 ? "info" : "error"](
      { reason, exitCode, ms: Date.now() - t0 },
      `stopped in ${Date.now() - t0} ms`,
    );
    process.exit(exitCode);
  };

  const stop = (reason: string, code = 0): Promise<never> => {
    stopping ??= run(reason, code);
    return stopping;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => void stop(signal));
  }
  return { add: (step) => void steps.push(step), stop };
}
