/**
 * Builds what production runs with plain `node`: the service (src/ into dist/ with tsc and
 * tsconfig.build.json, each module beside where its `import.meta.url` paths expect it, plus
 * the Lua scripts src/state/lua reads at run time) and the demo page (web/ into dist/web).
 * `npm start` runs it first (prestart), the Dockerfile once in the image. Each part is
 * skipped when its output is newer than every source, so a restart costs nothing.
 *
 *   tsx scripts/build.ts [--force]
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWeb, newest } from "../src/demo/build-web.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const STAMP = join(DIST, ".built");
/** Kept when the service is rebuilt: the demo page and the lock of the build running. */
const KEEP = new Set(["web", ".build.lock"]);
const INPUTS = [SRC, join(ROOT, "tsconfig.json"), join(ROOT, "tsconfig.build.json")];

const serverIsStale = (): boolean =>
  !existsSync(STAMP) || INPUTS.some((p) => newest(p) > statSync(STAMP).mtimeMs);

function assets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return assets(path);
    return e.name.endsWith(".lua") ? [path] : [];
  });
}

function buildServer(): void {
  if (!installed("typescript"))
    throw new Error(
      "dist/ is missing or stale and typescript (a dev dependency) is not installed: build with `npm ci && npm run build`, then ship dist/",
    );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  // A module moved or removed in src/ must not linger in dist/.
  for (const name of existsSync(DIST) ? readdirSync(DIST) : []) {
    if (!KEEP.has(name)) rmSync(join(DIST, name), { recursive: true, force: true });
  }
  const run = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (run.status !== 0) throw new Error(`tsc failed (exit ${run.status ?? run.signal})`);
  for (const file of assets(SRC)) {
    const to = join(DIST, relative(SRC, file));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(file, to);
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One build at a time per checkout: two (test files, `npm start` beside a test run) would
 * otherwise empty each other's output. A lock whose holder died is taken over.
 */
async function locked<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(DIST, ".build.lock");
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // Empty while its holder is still writing its pid: wait, as for a live holder.
      const holder = Number(readFileSync(lock, "utf8") || "0");
      if (holder > 0 && !alive(holder)) rmSync(lock, { force: true });
      else await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  await locked(async () => {
    if (force || serverIsStale()) {
      const t0 = Date.now();
      buildServer();
      console.log(`service built into ${DIST} in ${Date.now() - t0} ms`);
    } else console.log("service build up to date");
    if (!installed("vite")) {
      // `npm ci --omit=dev` has no Vite: the service runs without the demo page.
      console.warn("demo page not built: vite is not installed (npm ci without --omit=dev)");
      return;
    }
    const web = await buildWeb({ force, quiet: true });
    console.log(web === "built" ? "demo page built into dist/web" : "demo page up to date");
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
