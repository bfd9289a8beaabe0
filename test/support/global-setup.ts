import type { TestProject } from "vitest/node";
import { startRedisCluster } from "./redis-cluster.ts";
import { startRedisServer } from "./redis-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the private redis-server started for this test run. */
    redisUrl: string;
    /** `host:port` of every node of the private Redis Cluster started for this test run. */
    redisClusterNodes: string[];
  }
}

/**
 * Starts one private redis-server and one private Redis Cluster (3 masters, 3 replicas)
 * for the whole run; tests reach them with `inject("redisUrl")` and
 * `inject("redisClusterNodes")` and isolate themselves with a unique key prefix. Tests
 * that break Redis (restarts, failovers) start their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster()]);
  project.provide("redisUrl", server.url);
  project.provide("redisClusterNodes", cluster.addresses);
  return async () => {
    await Promise.all([server.stop(), cluster.stop()]);
  };
}
