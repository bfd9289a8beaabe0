import { isPrimary, runPrimary, WorkersError, workerCount } from "./cluster.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { startServer } from "./http/server.ts";
import { fileStateRecorder } from "./learn/state-log.ts";
import { registerShutdown, STOP_DEADLINE_MS } from "./lifecycle/shutdown.ts";
import { createLogger } from "./observability/logger.ts";
import { loadScorer } from "./scoring/load-scorer.ts";
import { ModelHolder } from "./scoring/model-holder.ts";
import { createStore } from "./state/create-store.ts";

/**
 * Exit codes: 0 after a stop on SIGTERM or SIGINT; 1 when the process cannot serve (Redis
 * unreachable at start, the port taken, workers that keep dying before they listen) or
 * did not stop cleanly; 2 for invalid configuration.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let workers: number;
  try {
    workers = workerCount();
  } catch (err) {
    if (err instanceof WorkersError) {
      console.error(`Invalid configuration:\n  - ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // WORKERS > 1: this process only forks and supervises; each worker runs the rest. It
  // waits for its workers' own deadline before it kills them.
  if (workers > 1 && isPrimary()) {
    const shutdown = registerShutdown({ logger, deadlineMs: STOP_DEADLINE_MS + 1000 });
    runPrimary(workers, { logger, shutdown, deadlineMs: STOP_DEADLINE_MS + 500 });
    return;
  }
  const shutdown = registerShutdown({ logger, deadlineMs: STOP_DEADLINE_MS });
  const store = createStore(config);
  shutdown.add(() => store.close());
  if (!(await store.ping())) {
    await shutdown.stop(
      config.REDIS_CLUSTER_NODES
        ? `cannot reach the Redis Cluster (or it is not ok) at ${config.REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(",")}; check REDIS_CLUSTER_NODES`
        : `cannot reach Redis at ${config.REDIS_URL && redact(config.REDIS_URL)}; check REDIS_URL`,
      1,
    );
  }
  const models = new ModelHolder(loadScorer(config));
  const server = await startServer(store, config, models, { logger, processMetrics: true }).catch(
    (err: Error) =>
      shutdown.stop(`cannot listen on ${config.HOST}:${config.PORT}: ${err.message}`, 1),
  );
  shutdown.add(() => server.close());
  if (config.RECORD_STATES_PATH)
    server.engine.recorder = fileStateRecorder(config.RECORD_STATES_PATH);
  const who = workers > 1 ? ` [worker ${process.pid} of ${workers}]` : "";
  logger.info(
    {
      url: server.url,
      demo: new URL("/demo/", server.url).href,
      store: store.kind,
      model: models.scorer.name,
    },
    `sessionrank listening on ${server.url}${who} (store: ${store.kind}${config.REDIS_URL ? ` ${redact(config.REDIS_URL)}` : ""}, model: ${models.scorer.name})`,
  );

  // A new model without a restart: write the artifact, then `kill -HUP <pid>`.
  process.on("SIGHUP", () => {
    try {
      models.swap(loadScorer(config));
      logger.info({ model: models.scorer.name }, `model reloaded: ${models.scorer.name}`);
    } catch (err) {
      logger.error(
        { err },
        `model not reloaded, keeping ${models.scorer.name}: ${(err as Error).message}`,
      );
    }
  });
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
