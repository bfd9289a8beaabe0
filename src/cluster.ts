import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Shutdown } from "./lifecycle/shutdown.ts";
import type { Logger } from "./observability/logger.ts";

/**
 * How many worker processes serve the port. WORKERS=<n> (1-256); unset means one per
 * core when Redis is configured. The in-memory store lives inside one process (its
 * pub/sub too), so without REDIS_URL there is always exactly one process.
 */
export function workerCount(env: Record<string, string | undefined> = process.env): number {
  const raw = env.WORKERS;
  const set = (v: string | undefined) => v !== undefined && v !== "";
  const redis = set(env.REDIS_URL) || set(env.REDIS_CLUSTER_NODES);
  if (raw === undefined || raw === "") return redis ? availableParallelism() : 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new WorkersError(`WORKERS=${JSON.stringify(raw)}: must be an integer from 1 to 256`);
  }
  if (n > 1 && !redis) {
    throw new WorkersError(
      `WORKERS=${n}: several workers need a shared store; set REDIS_URL or REDIS_CLUSTER_NODES, or use WORKERS=1`,
    );
  }
  return n;
}

export class WorkersError extends Error {
  override name = "WorkersError";
}

/** When the primary replaces a worker that died, and when it gives up. */
export interface RespawnPolicy {
  /** Delay before the first replacement (ms); each further death in a row doubles it. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A worker that served this long before it died starts the doubling over (ms). */
  stableMs: number;
}

export const RESPAWN: RespawnPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 30_000,
  stableMs: 30_000,
};

/** The delay before replacing the `deaths`-th worker to die in a row (1-based). */
export function respawnDelay(deaths: number, policy: RespawnPolicy = RESPAWN): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, deaths - 1));
}

/**
 * The primary of a multi-process server: forks `n` workers that share the listening port
 * (node:cluster hands connections out round-robin) and replaces every worker that dies,
 * with back-off, for as long as it runs (the respawn timers keep it alive with no worker
 * left). When `n` workers in a row die before they listen while none listens, it exits 1:
 * the service cannot start (Redis unreachable, the port taken), and the supervisor (or an
 * operator) must see that, not a primary retrying quietly. Its stop (a step of `shutdown`)
 * asks every worker to drain and waits for them; SIGHUP (reload the model) is passed on to
 * every worker.
 *
 * Events of one session are serialized per process (SessionLock); across workers they
 * are not. A client that sends one session's events over one keep-alive connection (the
 * normal case) keeps them on one worker; clients that spread one session's events over
 * several concurrent connections should use WORKERS=1 or a session-sticky proxy.
 */
export function runPrimary(
  n: number,
  deps: { logger: Logger; shutdown: Shutdown; deadlineMs: number; policy?: RespawnPolicy },
): void {
  const { logger, shutdown } = deps;
  const policy = deps.policy ?? RESPAWN;
  /** Live workers that listen, by worker id, with the time they began to. */
  const listening = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  let deaths = 0;
  let failedStarts = 0;
  let stopping = false;

  cluster.on("listening", (worker) => {
    listening.set(worker.id, Date.now());
    failedStarts = 0;
  });
  cluster.on("exit", (worker, code, signal) => {
    const since = listening.get(worker.id);
    listening.delete(worker.id);
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (since === undefined) failedStarts++;
    deaths = since !== undefined && Date.now() - since >= policy.stableMs ? 1 : deaths + 1;
    if (failedStarts >= n && listening.size === 0) {
      void shutdown.stop(
        `cannot serve: ${failedStarts} workers in a row exited before listening (the last: ${how})`,
        1,
      );
      return;
    }
    const delayMs = respawnDelay(deaths, policy);
    logger.error(
      { worker: worker.process.pid, exit: how, serving: listening.size, delayMs },
      `worker ${worker.process.pid} exited (${how}); starting another in ${delayMs} ms`,
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      cluster.fork();
    }, delayMs);
    timers.add(timer);
  });
  process.on("SIGHUP", () => {
    for (const w of liveWorkers()) w.process.kill("SIGHUP");
  });
  shutdown.add(async () => {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    await stopWorkers(logger, deps.deadlineMs);
  });
  for (let i = 0; i < n; i++) cluster.fork();
}

const liveWorkers = (): Worker[] =>
  Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());

/**
 * SIGTERM to every worker, then waits for them; one still running after `waitMs` is
 * killed. Throws (so that the primary exits 1) unless every worker stopped by itself.
 */
async function stopWorkers(logger: Logger, waitMs: number): Promise<void> {
  const workers = liveWorkers();
  logger.info({ workers: workers.length }, `stopping ${workers.length} workers`);
  const exits = workers.map(
    (w) =>
      new Promise<string | undefined>((resolve) =>
        w.once("exit", (code: number, signal: string | null) =>
          // A worker still loading when the signal came has no handler yet: it did not serve.
          resolve(
            code === 0 || signal === "SIGTERM"
              ? undefined
              : `${w.process.pid}: ${signal ?? `code ${code}`}`,
          ),
        ),
      ),
  );
  for (const w of workers) w.process.kill("SIGTERM");
  const late = setTimeout(() => {
    for (const w of liveWorkers()) w.process.kill("SIGKILL");
  }, waitMs);
  const unclean = (await Promise.all(exits)).filter((e) => e !== undefined);
  clearTimeout(late);
  if (unclean.length > 0)
    throw new Error(
      `${unclean.length} of ${workers.length} workers did not stop cleanly (${unclean.join(", ")})`,
    );
}

export const isPrimary = (): boolean => cluster.isPrimary;
