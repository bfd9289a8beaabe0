import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServerHandle, startRedisServer } from "../support/redis-server.ts";

/**
 * The fixed reference the batch targets are fractions of (bench/lua/reference-4.lua, run by
 * `redis-benchmark -c 50` with EVALSHA; the k6 scripts' LUA_REFERENCE_EPS): it must be what
 * the docs say, nine writes of one event on four keys, bounded and with TTLs on the
 * session's keys. Its own redis-server, so the command counts are this test's alone.
 */
const SCRIPT = readFileSync(new URL("../../bench/lua/reference-4.lua", import.meta.url), "utf8");

describe("the 9-write Lua reference", () => {
  let server: RedisServerHandle;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const keys = ["{rb}:s:1", "{rb}:r:1", "{rb}:i:42:cv", "{rb}:pop"];
  const writes = async (): Promise<Record<string, number>> => {
    const info = await redis.info("commandstats");
    const out: Record<string, number> = {};
    for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
    return out;
  };

  it("makes nine writes on four keys under one hash tag", async () => {
    const sha = (await redis.script("LOAD", SCRIPT)) as string;
    const before = await writes();
    const step = await redis.evalsha(sha, 4, ...keys, "42", "ITEM_IMAGE", "3600");
    const after = await writes();
    const delta = (c: string) => (after[c] ?? 0) - (before[c] ?? 0);
    expect(step).toBe(1);
    expect({
      hincrby: delta("hincrby"),
      zincrby: delta("zincrby"),
      lpush: delta("lpush"),
      ltrim: delta("ltrim"),
      expire: delta("expire"),
    }).toEqual({ hincrby: 3, zincrby: 2, lpush: 1, ltrim: 1, expire: 2 });
    expect(new Set(keys.map((k) => /\{(.*?)\}/.exec(k)?.[1])).size).toBe(1);
    expect(await redis.hgetall(keys[0]!)).toEqual({ steps: "1", ITEM_IMAGE: "1", "i:42": "1" });
    expect(await redis.lrange(keys[1]!, 0, -1)).toEqual(["ITEM_IMAGE|42|1"]);
    expect(await redis.zscore(keys[2]!, "42")).toBe("1");
    expect(await redis.zscore(keys[3]!, "42")).toBe("1");
    expect(await redis.ttl(keys[0]!)).toBeGreaterThan(3500);
    expect(await redis.ttl(keys[1]!)).toBeGreaterThan(3500);
  });

  it("keeps the session's recent list bounded at 50", async () => {
    for (let i = 0; i < 60; i++)
      await redis.eval(SCRIPT, 4, ...keys, String(i), "ITEM_INFO", "3600");
    expect(await redis.llen(keys[1]!)).toBe(50);
    expect(await redis.hget(keys[0]!, "steps")).toBe("61");
  });
});
