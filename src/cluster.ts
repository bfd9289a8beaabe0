import cluster from "node:cluster";
import { availableParallelism } from "node:os";

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

/**
 * The primary of a multi-process server: forks `n` workers that share the listening port
 * (node:cluster hands connections out round-robin), replaces a worker that dies
 * unexpectedly, and on SIGINT/SIGTERM asks every worker to drain and exits after them.
 *
 * Events of one session are serialized per process (SessionLock); across workers they
 * are not. A client that sends one session's events over one keep-alive connection (the
 * normal case) keeps them on one worker; clients that spread one session's events over
 * several concurrent connections should use WORKERS=1 or a session-sticky proxy.
 */
export function runPrimary(n: number): void {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < n; i++) fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 500).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping ${n} workers`);
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill(signal);
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

export const isPrimary = (): boolean => cluster.isPrimary;
