import { isPrimary, runPrimary, WorkersError, workerCount } from "./cluster.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { startServer } from "./http/server.ts";
import { fileStateRecorder } from "./learn/state-log.ts";
import { createLogger } from "./observability/logger.ts";
import { loadScorer } from "./scoring/load-scorer.ts";
import { ModelHolder } from "./scoring/model-holder.ts";
import { createStore } from "./state/create-store.ts";

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
  // WORKERS > 1: this process only forks and supervises; each worker runs the rest.
  if (workers > 1 && isPrimary()) {
    runPrimary(workers);
    return;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const store = createStore(config);
  if (!(await store.ping())) {
    logger.fatal(
      config.REDIS_CLUSTER_NODES
        ? `Cannot reach the Redis Cluster (or it is not ok) at ${config.REDIS_CLUSTER_NODES.map((n) => `${n.host}:${n.port}`).join(",")}; check REDIS_CLUSTER_NODES.`
        : `Cannot reach Redis at ${config.REDIS_URL && redact(config.REDIS_URL)}; check REDIS_URL.`,
    );
    await store.close();
    process.exit(1);
  }
  const models = new ModelHolder(loadScorer(config));
  const server = await startServer(store, config, models, { logger, processMetrics: true });
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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${signal}: finishing in-flight requests and closing subscriptions`);
    await server.close();
    await store.close();
    process.exit(0);
  };
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
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}

void main();
