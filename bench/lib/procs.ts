import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { freePort } from "./redis.ts";

export interface Proc {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

export interface SpawnOpts {
  /** Write a V8 CPU profile per process into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** Run the service from another checkout (e.g. a git worktree of an older commit). */
  root?: string;
}

/** user + system CPU of a process in microseconds, from /proc/<pid>/stat (ticks of 10 ms). */
export function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

/**
 * user + system CPU of a process and all its descendants (a service's node:cluster
 * workers), in microseconds. A process that ended before the reading is not counted.
 */
export function treeCpu(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      total += procCpu(p);
    } catch {
      // gone meanwhile
    }
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/**
 * Every server of the bench runs as deployed: NODE_ENV=production (the Dockerfile sets it),
 * which among other things turns graphql-js' instanceof checks into plain ones. The bare
 * ceilings get it too, so a ratio compares like with like.
 */
const DEPLOYED_ENV = { NODE_ENV: "production" };

/**
 * The service runs as `npm start` and the Dockerfile run it: with a 64 MB young generation.
 * A caller that passes NODE_OPTIONS (an A/B of runtime flags) decides them instead.
 */
const SERVICE_FLAGS = ["--max-semi-space-size=32"];

function nodeArgs(script: string, opts: SpawnOpts, flags: readonly string[] = []): string[] {
  const args = ["--import", "tsx", ...flags];
  if (opts.cpuProfDir) {
    mkdirSync(opts.cpuProfDir, { recursive: true });
    args.push("--cpu-prof", "--cpu-prof-dir", opts.cpuProfDir);
  }
  args.push(script);
  return args;
}

async function waitHttp(url: string, ms: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"query":"{__typename}"}',
      });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up within ${ms} ms`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 8000);
    await exited;
    clearTimeout(t);
  };
}

/** The real service (src/main.ts) as its own process tree, WORKERS processes serving one port. */
export async function startService(
  env: { redisUrl: string; workers: number; prefix?: string } & Record<string, unknown>,
  opts: SpawnOpts = {},
): Promise<Proc> {
  const port = await freePort();
  const flags = env.NODE_OPTIONS === undefined ? SERVICE_FLAGS : [];
  const child = spawn(process.execPath, nodeArgs("src/main.ts", opts, flags), {
    cwd: opts.root ?? ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      ...DEPLOYED_ENV,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.prefix ?? "sr",
      WORKERS: String(env.workers),
      GRAPHIQL: "false",
      LOG_LEVEL: "warn",
      // Any other setting given (e.g. DIRECT_PATH) goes to the service as is.
      ...Object.fromEntries(
        Object.entries(env)
          .filter(([k]) => /^[A-Z_]+$/.test(k))
          .map(([k, v]) => [k, String(v)]),
      ),
    },
  });
  process.once("exit", () => child.kill("SIGKILL"));
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitHttp(url, 30_000, child);
  // With several workers, give every worker time to listen before load starts.
  if (env.workers > 1) await new Promise((r) => setTimeout(r, 1500));
  return { url, port, child, stop: stopper(child) };
}

/** A bare framework ceiling server (bench/servers/bare.ts). */
export async function startBare(
  kind: "yoga" | "pubsub" | "http",
  opts: SpawnOpts = {},
): Promise<Proc> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    nodeArgs("bench/servers/bare.ts", opts).concat(kind, String(port)),
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, ...DEPLOYED_ENV },
    },
  );
  process.once("exit", () => child.kill("SIGKILL"));
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitHttp(url, 30_000, child);
  return { url, port, child, stop: stopper(child) };
}
