import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, posix, resolve, sep } from "node:path";

/** Where `npm start` (its prestart step) builds the demo page: dist/web, gitignored. */
export const DEMO_DIR = new URL("../../dist/web/", import.meta.url).pathname;

export const DEMO_PREFIX = "/demo";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** True for /demo and everything under /demo/. */
export function isDemoPath(path: string): boolean {
  return path === DEMO_PREFIX || path.startsWith(`${DEMO_PREFIX}/`);
}

/**
 * Maps a URL path under /demo/ to a file under `root`, or null when it must not be served:
 * undecodable, a NUL byte, a backslash, a dot-segment or dotfile, or anything that would
 * resolve outside `root`. A path ending in `/` means its index.html.
 */
export function resolveDemoFile(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice(DEMO_PREFIX.length));
  } catch {
    return null;
  }
  if (rel.includes("\0") || rel.includes("\\")) return null;
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const segments = rel.split("/").filter((s) => s !== "");
  if (segments.some((s) => s.startsWith("."))) return null;
  const normal = posix.normalize(`/${segments.join("/")}`);
  const base = resolve(root);
  const file = resolve(join(base, normal));
  return file.startsWith(base + sep) ? file : null;
}

/**
 * Serves the built demo page (GET and HEAD). /demo redirects to /demo/ so that relative
 * asset URLs resolve; hashed assets are cached for a year, index.html is revalidated.
 */
export async function serveDemo(
  req: IncomingMessage,
  res: ServerResponse,
  root: string = DEMO_DIR,
): Promise<void> {
  const [path = "/", query] = (req.url ?? "/").split("?", 2);
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
    res.end("Method not allowed\n");
    return;
  }
  if (path === DEMO_PREFIX) {
    res.writeHead(301, { location: `${DEMO_PREFIX}/${query ? `?${query}` : ""}` });
    res.end();
    return;
  }
  const file = resolveDemoFile(root, path);
  if (file === null) return text(res, 404, "Not found\n");
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return text(res, 404, "Not found\n");
    size = s.size;
  } catch {
    if (path === `${DEMO_PREFIX}/`) {
      return text(
        res,
        503,
        "The demo page is not built. `npm start` builds it; or run `npm run build:web`.\n",
      );
    }
    return text(res, 404, "Not found\n");
  }
  const hashed = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": size,
    "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}
