import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { type RedisServerHandle, startRedisServer } from "./redis-server.ts";

const run = promisify(execFile);
const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A private Redis Cluster on loopback: `masters` masters, each with `replicasPerMaster` replicas. */
export interface RedisClusterHandle {
  /** Every node, in the order given to `redis-cli --cluster create` (masters first). */
  nodes: RedisServerHandle[];
  /** `host:port` of every node, for REDIS_CLUSTER_NODES. */
  addresses: string[];
  /** A plain connection to one node (closed by `stop`). */
  connect(port: number): Redis;
  /** The node that currently serves `slot` as master, and its replicas. */
  roles(): Promise<
    { port: number; role: "master" | "replica"; masterPort?: number; slots: number }[]
  >;
  /** Waits until every live node reports `cluster_state:ok` and agrees on the masters. */
  waitOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** Extra redis-server args for every node (e.g. AOF settings). */
  args?: string[];
}

function findRedisCli(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "redis-cli");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    "redis-cli was not found on PATH (install the redis-tools or redis-server package)",
  );
}

/**
 * Starts 3 masters and 3 replicas (by default) with `--cluster-enabled yes` on free loopback
 * ports, each in its own temp dir, joins them with `redis-cli --cluster create`, and waits
 * for `cluster_state:ok`. A short node timeout (1 s) keeps failure detection fast in tests.
 */
export async function startRedisCluster(
  opts: StartClusterOptions = {},
): Promise<RedisClusterHandle> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const nodeArgs = [
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    "nodes.conf",
    "--cluster-node-timeout",
    "1000",
    // A replica of a master that was down a moment ago may still take over.
    "--cluster-replica-validity-factor",
    "0",
    ...(opts.args ?? []),
  ];
  const nodes = await Promise.all(
    Array.from({ length: count }, () => startRedisServer({ args: nodeArgs })),
  );
  const addresses = nodes.map((n) => `${HOST}:${n.port}`);
  const conns: Redis[] = [];
  const connect = (port: number): Redis => {
    const c = new Redis({ host: HOST, port, maxRetriesPerRequest: 1, lazyConnect: false });
    c.on("error", () => {});
    conns.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of conns) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    await run(findRedisCli(), [
      "--cluster",
      "create",
      ...addresses,
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
  } catch (e) {
    await stop();
    throw e;
  }

  const info = async (port: number, cmd: string[]): Promise<string | undefined> => {
    const c = new Redis({
      host: HOST,
      port,
      maxRetriesPerRequest: 0,
      connectTimeout: 500,
      retryStrategy: () => null,
    });
    c.on("error", () => {});
    try {
      return String(await c.call(cmd[0]!, ...cmd.slice(1)));
    } catch {
      return undefined;
    } finally {
      c.disconnect();
    }
  };

  const roles: RedisClusterHandle["roles"] = async () => {
    for (const n of nodes) {
      const text = await info(n.port, ["CLUSTER", "NODES"]);
      if (!text) continue;
      const lines = text.trim().split("\n");
      const idToPort = new Map<string, number>();
      for (const l of lines) {
        const [id, addr] = l.split(" ");
        idToPort.set(id!, Number(addr!.split("@")[0]!.split(":")[1]));
      }
      return lines
        .filter((l) => !l.includes("fail") || l.includes("master") || l.includes("slave"))
        .map((l) => {
          const f = l.split(" ");
          const flags = f[2]!;
          const port = Number(f[1]!.split("@")[0]!.split(":")[1]);
          const role = flags.includes("master") ? ("master" as const) : ("replica" as const);
          const slots = f.slice(8).reduce((s, r) => {
            const [a, b] = r.split("-").map(Number);
            return s + (b === undefined ? 1 : b - a! + 1);
          }, 0);
          return {
            port,
            role,
            masterPort: role === "replica" ? idToPort.get(f[3]!) : undefined,
            slots,
          };
        });
    }
    return [];
  };

  const waitOk = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(nodes.map((n) => info(n.port, ["CLUSTER", "INFO"])));
      const live = states.filter((s): s is string => s !== undefined);
      const ok = live.length > 0 && live.every((s) => s.includes("cluster_state:ok"));
      // Every live node must know the same set of masters (gossip has converged).
      const views = await Promise.all(
        nodes.map(async (n) => {
          const t = await info(n.port, ["CLUSTER", "NODES"]);
          if (!t) return undefined;
          return t
            .trim()
            .split("\n")
            .filter(
              (l) =>
                l.split(" ")[2]!.includes("master") &&
                !l.split(" ")[2]!.includes("fail") &&
                l.split(" ").length > 8,
            )
            .map((l) => l.split(" ")[1])
            .sort()
            .join(",");
        }),
      );
      const seen = new Set(views.filter((v) => v !== undefined));
      if (ok && seen.size === 1) return;
      if (Date.now() > deadline)
        throw new Error(`cluster not ok within ${timeoutMs} ms:\n${live.join("\n---\n")}`);
      await sleep(100);
    }
  };

  /** Every slot range lists its replicas, and every replica's link to its master is up. */
  const waitReplicas = async (timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = connect(nodes[0]!.port);
      const ranges = (await c.call("CLUSTER", "SLOTS").catch(() => [])) as unknown[][];
      c.disconnect();
      const complete = ranges.length > 0 && ranges.every((r) => r.length >= 3 + replicas);
      const links = await Promise.all(
        nodes.map(async (n) => {
          const text = await info(n.port, ["INFO", "replication"]);
          return !text?.includes("role:slave") || text.includes("master_link_status:up");
        }),
      );
      if (complete && links.every(Boolean)) return;
      if (Date.now() > deadline)
        throw new Error(`cluster replicas not in sync within ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  try {
    await waitOk();
    if (replicas > 0) await waitReplicas();
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, addresses, connect, roles, waitOk, stop };
}
