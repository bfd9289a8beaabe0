import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import { type RedisServerHandle, startRedisServer } from "./redis-server.ts";

/**
 * The service as a supervisor runs it: its own process (group), started the way the
 * README (`npm start`) or the Dockerfile (its CMD and ENV) says, and stopped with a signal
 * to the top process only. Unlike test/support/server.ts, nothing runs in the test's
 * process: what the tests see is what an operator gets.
 */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Launcher {
  name: string;
  argv: string[];
  env: Record<string, string>;
}

/** The README's one command. */
export const NPM_START: Launcher = { name: "npm start", argv: ["npm", "start"], env: {} };

/** The Dockerfile's CMD with its ENV, read from the Dockerfile itself (run in ROOT, its WORKDIR's copy). */
export function dockerCmd(): Launcher {
  const text = readFileSync(`${ROOT}Dockerfile`, "utf8");
  const cmd = text.match(/^CMD (\[.*\])\s*$/m);
  if (!cmd?.[1]) throw new Error("the Dockerfile has no exec-form CMD");
  const env: Record<string, string> = {};
  for (const line of text.matchAll(/^ENV (.+)$/gm)) {
    for (const pair of line[1]!.trim().split(/\s+/)) {
      const [k, ...v] = pair.split("=");
      env[k!] = v.join("=");
    }
  }
  return { name: "the Dockerfile's CMD", argv: JSON.parse(cmd[1]) as string[], env };
}

/** JSON log lines of every process of the service (workers write to the primary's stdout). */
export interface LogLine {
  pid: number;
  msg: string;
  [field: string]: unknown;
}

export interface ServiceProcess {
  /** The top process: the one a supervisor started and signals. */
  readonly pid: number;
  readonly logs: LogLine[];
  /** Everything the processes wrote, for failure messages. */
  output(): string;
  /** Pids of the first `n` processes that logged they listen, once they have. */
  listening(n: number, timeoutMs?: number): Promise<number[]>;
  /** The first log line matching, once there is one. */
  logged(match: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the top process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Whether any process of the service's process group still runs. */
  groupAlive(): boolean;
  /** SIGKILL to the whole group (cleanup). */
  killGroup(): void;
}

const started = new Set<ServiceProcess>();
let hooked = false;

/** Environment of the test run minus what would change the service: npm's, vitest's. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|VITEST|NODE_ENV$|NODE_OPTIONS$|TEST$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

export function launch(l: Launcher, env: Record<string, string | number>): ServiceProcess {
  const child: ChildProcess = spawn(l.argv[0]!, l.argv.slice(1), {
    cwd: ROOT,
    // Its own process group, as under a supervisor: the group shows what is left after.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...cleanEnv(),
      ...l.env,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${l.argv.join(" ")}`);
  const logs: LogLine[] = [];
  let out = "";
  let waiters: Array<() => void> = [];
  let partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) =>
      child.once("exit", (code, signal) => {
        resolve({ code, signal, at: Date.now() });
        for (const w of waiters) w();
      }),
  );
  const logged = (match: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = logs.find(match);
        if (hit) {
          waiters = waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`${l.name} exited (${child.exitCode ?? child.signalCode}):\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== check);
        reject(new Error(`${l.name}: no such log line within ${timeoutMs} ms:\n${out}`));
      }, timeoutMs);
      waiters.push(check);
      check();
    });
  const listens = (line: LogLine) => line.msg.startsWith("sessionrank listening");
  const svc: ServiceProcess = {
    pid,
    logs,
    output: () => out,
    async listening(n, timeoutMs = 60_000) {
      await logged(() => logs.filter(listens).length >= n, timeoutMs);
      return logs
        .filter(listens)
        .slice(0, n)
        .map((line) => line.pid);
    },
    logged,
    exited,
    groupAlive() {
      try {
        process.kill(-pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
      }
    },
    killGroup() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone already
      }
    },
  };
  started.add(svc);
  if (!hooked) {
    hooked = true;
    process.once("exit", () => {
      for (const s of started) s.killGroup();
    });
  }
  return svc;
}

/** Whether the port can be bound again (nothing of the service holds it). */
export function canListen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * Builds what production runs (dist/, as `npm start` and the Dockerfile do first): the
 * tests of the process run the build, not the sources. Skipped when it is up to date.
 */
export function buildService(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/build.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: cleanEnv(),
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`build failed (${code}):\n${out}`)),
    );
  });
}

/**
 * The hooks of a test file of the process: the build and a private redis-server (the
 * tests pause it) before all; after each test, every process group it started is killed.
 */
export function processTestbed(): {
  redis(): RedisServerHandle;
  start(l: Launcher, env: Record<string, string | number>): ServiceProcess;
} {
  let redis: RedisServerHandle | undefined;
  let running: ServiceProcess[] = [];
  beforeAll(async () => {
    [redis] = await Promise.all([startRedisServer(), buildService()]);
  }, 180_000);
  afterEach(() => {
    for (const s of running) s.killGroup();
    running = [];
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    redis() {
      if (!redis) throw new Error("processTestbed: redis-server not started yet");
      return redis;
    },
    start(l, env) {
      const svc = launch(l, env);
      running.push(svc);
      return svc;
    },
  };
}
