import { ConfigError, loadConfig } from "./config.ts";
import { loadScorer } from "./scoring/load-scorer.ts";
import { ModelHolder } from "./scoring/model-holder.ts";
import { startServer } from "./server.ts";
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
  const store = createStore(config);
  if (!(await store.ping())) {
    console.error(`Cannot reach Redis at ${config.REDIS_URL}; check REDIS_URL.`);
    await store.close();
    process.exit(1);
  }
  const models = new ModelHolder(await loadScorer(config));
  const server = await startServer(store, config, models);
  console.log(
    `sessionrank listening on ${server.url} (store: ${store.kind}${config.REDIS_URL ? ` ${redact(config.REDIS_URL)}` : ""}, model: ${models.scorer.name})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests and closing subscriptions`);
    await server.close();
    await store.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}

void main();
