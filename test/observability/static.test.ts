import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveDemoFile, serveDemo } from "../../src/demo/static.ts";

/** Raw GET (no URL normalisation by the client, unlike fetch). */
function get(port: number, path: string, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("demo static files", () => {
  let root: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "sessionrank-demo-"));
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>demo</title>");
    writeFileSync(join(root, "assets", "app-1234.js"), "console.log(1)");
    writeFileSync(join(root, "assets", "app-1234.css"), "body{}");
    writeFileSync(join(root, ".secret"), "no");
    writeFileSync(join(tmpdir(), "outside-demo.txt"), "no");
    server = createServer((req, res) => void serveDemo(req, res, root));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html and assets with their content types and cache headers", async () => {
    const index = await get(port, "/demo/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.body).toContain("<title>demo</title>");

    const js = await get(port, "/demo/assets/app-1234.js");
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    expect(js.headers["x-content-type-options"]).toBe("nosniff");
    const css = await get(port, "/demo/assets/app-1234.css?v=1");
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");

    const head = await get(port, "/demo/assets/app-1234.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("redirects /demo to /demo/, keeping the query", async () => {
    const r = await get(port, "/demo?transport=sse");
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("/demo/?transport=sse");
  });

  it("refuses traversal, dotfiles, bad encodings and other methods", async () => {
    for (const path of [
      "/demo/../package.json",
      "/demo/%2e%2e/outside-demo.txt",
      "/demo/..%2f..%2foutside-demo.txt",
      "/demo/assets/..%5c..%5coutside-demo.txt",
      "/demo/.secret",
      "/demo/%00",
      "/demo/%E0%A4%A",
      "/demo/assets",
      "/demo/missing.js",
    ]) {
      const r = await get(port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toBe("no");
    }
    expect((await get(port, "/demo/", "POST")).status).toBe(405);
  });

  it("maps paths inside the root only", () => {
    expect(resolveDemoFile("/srv/demo", "/demo/")).toBe("/srv/demo/index.html");
    expect(resolveDemoFile("/srv/demo", "/demo/a/b.js")).toBe("/srv/demo/a/b.js");
    expect(resolveDemoFile("/srv/demo", "/demo//a//b.js")).toBe("/srv/demo/a/b.js");
    expect(resolveDemoFile("/srv/demo", "/demo/../x")).toBeNull();
    expect(resolveDemoFile("/srv/demo", "/demo/a/%2e%2e/%2e%2e/x")).toBeNull();
  });

  it("says how to build the page when it is not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "sessionrank-demo-empty-"));
    const s = createServer((req, res) => void serveDemo(req, res, empty));
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const r = await get((s.address() as AddressInfo).port, "/demo/");
    await new Promise((r) => s.close(r));
    rmSync(empty, { recursive: true, force: true });
    expect(r.status).toBe(503);
    expect(r.body).toContain("npm run build:web");
  });
});
