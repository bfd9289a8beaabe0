import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the private redis-server started for this test run. */
    redisUrl: string;
  }
}

/**
 * Starts one private redis-server for the whole run; tests reach it with
 * `inject("redisUrl")` and isolate themselves with a unique key prefix.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide("redisUrl", server.url);
  return async () => {
    await server.stop();
  };
}
