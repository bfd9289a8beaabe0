import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** A private redis-server for tests: its own port, its own directory, no persistence. */
export interface RedisServerHandle {
  url: string;
  port: number;
  /** The server's working directory (a fresh temp dir; removed by `stop`). */
  dir: string;
  /** Shuts the server down cleanly (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Kills the server at once, as a crash would (no shutdown, no save). */
  kill9(): void;
  /** Stops the server if it still runs, then starts it again on the same port and dir. */
  restart(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra command-line arguments, appended after the defaults (so they override them). */
  args?: string[];
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

const INSTALL_HINT =
  "redis-server was not found on PATH. The tests need a local Redis 7 server binary; " +
  "install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).";

/** The absolute path of `redis-server` on PATH, or a clear error when there is none. */
export function findRedisServer(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(INSTALL_HINT);
}

/** A TCP port on loopback that was free a moment ago (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === "object") resolve(addr.port);
        else reject(new Error("could not determine a free port"));
      });
    });
  });
}

/** Sends one inline PING; resolves true on +PONG. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: HOST, port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Children still running when the test process exits are killed with it.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * Spawns `redis-server` on a free loopback port in a fresh temp dir, with persistence off
 * (`--save "" --appendonly no`) unless `args` say otherwise, and resolves once it answers
 * PING.
 */
export async function startRedisServer(opts: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const bin = findRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "sessionrank-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    await mkdir(dir, { recursive: true });
    const args = [
      "--port",
      String(port),
      "--bind",
      HOST,
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
      "--loglevel",
      "warning",
      "--logfile",
      "",
      ...(opts.args ?? []),
    ];
    const c = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    track(c);
    child = c;
    let output = "";
    const collect = (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-4000);
    };
    c.stdout?.on("data", collect);
    c.stderr?.on("data", collect);
    let spawnError: Error | undefined;
    c.once("error", (e) => {
      spawnError = e;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawnError)
        throw new Error(`could not start redis-server: ${spawnError.message}\n${INSTALL_HINT}`);
      if (exited(c)) {
        throw new Error(
          `redis-server exited during start (code ${c.exitCode}, signal ${c.signalCode}) on port ${port}:\n${output}`,
        );
      }
      if (await pingOnce(port)) return;
      await sleep(20);
    }
    c.kill("SIGKILL");
    throw new Error(
      `redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms:\n${output}`,
    );
  };

  const halt = async (): Promise<void> => {
    const c = child;
    if (!c || exited(c)) return;
    c.kill("SIGTERM");
    if (!(await waitExit(c, STOP_GRACE_MS))) {
      c.kill("SIGKILL");
      await waitExit(c, STOP_GRACE_MS);
    }
  };

  // Another process may grab the port between probing and binding: retry with a new one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    try {
      await launch();
      lastError = undefined;
      break;
    } catch (e) {
      lastError = e;
      await halt();
      if (e instanceof Error && e.message.includes(INSTALL_HINT)) break;
    }
  }
  if (lastError !== undefined) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }

  return {
    url: `redis://${HOST}:${port}`,
    port,
    dir,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    kill9() {
      const c = child;
      if (c && !exited(c)) c.kill("SIGKILL");
    },
    async restart() {
      const c = child;
      await halt();
      // A SIGKILLed child may not have been reaped yet; the port is free once it has.
      if (c) await waitExit(c, STOP_GRACE_MS);
      await launch();
    },
  };
}
