import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { findRedisServer, type RedisServerHandle, startRedisServer } from "./redis-server.ts";

describe("startRedisServer", () => {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  const connect = (url: string) => {
    const c = new Redis(url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    c.on("error", () => {});
    clients.push(c);
    return c;
  };

  it("runs a private server without persistence, survives kill -9 + restart, and stops cleanly", async () => {
    const server = await startRedisServer({ args: ["--maxmemory", "64mb"] });
    servers.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(existsSync(server.dir)).toBe(true);

    const c1 = connect(server.url);
    await c1.connect();
    expect(await c1.ping()).toBe("PONG");
    expect(await c1.config("GET", "save")).toEqual(["save", ""]);
    expect(await c1.config("GET", "appendonly")).toEqual(["appendonly", "no"]);
    expect(await c1.config("GET", "maxmemory")).toEqual(["maxmemory", String(64 * 1024 * 1024)]);
    await c1.set("k", "v");

    server.kill9();
    await expect(c1.ping()).rejects.toThrow();
    await server.restart();
    const c2 = connect(server.url);
    await c2.connect();
    expect(await c2.ping()).toBe("PONG");
    // No persistence: a crash loses the data.
    expect(await c2.get("k")).toBeNull();

    // A clean restart of a running server works too.
    await server.restart();
    const c3 = connect(server.url);
    await c3.connect();
    expect(await c3.ping()).toBe("PONG");

    await server.stop();
    servers.pop();
    expect(existsSync(server.dir)).toBe(false);
    const c4 = connect(server.url);
    await expect(c4.connect()).rejects.toThrow();
  });

  it("tells how to install redis-server when it is not on PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => findRedisServer()).toThrow(/apt-get install -y redis-server/);
      await expect(startRedisServer()).rejects.toThrow(/redis-server was not found on PATH/);
    } finally {
      process.env.PATH = path;
    }
  });
});
