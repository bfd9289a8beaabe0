/**
 * Builds the demo page (web/) into dist/web with Vite, which the server serves at /demo.
 * Runs before `npm start` and `npm run dev`; skips the build when dist/web is newer than
 * every source (web/ and the generated operations), so a restart costs nothing.
 *
 *   tsx src/demo/build-web.ts [--force]
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const WEB_DIR = join(ROOT, "web");
export const OUT_DIR = join(ROOT, "dist", "web");
const STAMP = join(OUT_DIR, ".built");
const INPUTS = [
  WEB_DIR,
  join(ROOT, "src", "generated", "graphql.ts"),
  join(ROOT, "package-lock.json"),
];

export function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === "node_modules") continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

/** True when dist/web is missing or older than one of its sources. */
export function webBuildIsStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return INPUTS.some((p) => newest(p) > built);
}

export async function buildWeb(
  opts: { force?: boolean; quiet?: boolean } = {},
): Promise<"built" | "fresh"> {
  if (!opts.force && !webBuildIsStale()) return "fresh";
  const { build } = await import("vite");
  await build({
    configFile: false,
    root: WEB_DIR,
    base: "/demo/",
    logLevel: opts.quiet ? "warn" : "info",
    oxc: { jsx: { runtime: "automatic" } },
    build: { outDir: OUT_DIR, emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return "built";
}

async function main(): Promise<void> {
  const force = process.argv.includes("--force");
  try {
    await import("vite");
  } catch {
    // `npm ci --omit=dev` has no Vite: the service runs without the demo page.
    console.warn(
      "demo page not built: vite is not installed (npm ci without --omit=dev brings it)",
    );
    return;
  }
  const result = await buildWeb({ force, quiet: true });
  console.log(result === "built" ? `demo page built into ${OUT_DIR}` : "demo page up to date");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
