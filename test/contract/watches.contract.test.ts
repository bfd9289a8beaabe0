import { afterEach, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/state/redis-store.ts";
import { makeEngine, type TestEngine } from "../support/stores.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SessionWatches on Redis: the watch key lives while a subscriber does", () => {
  const opened: TestEngine[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });

  it("written before add() resolves, refreshed while held, left to expire after the last remove()", async () => {
    const t = makeEngine("redis", { SUBSCRIPTION_WATCH_SECONDS: 3 });
    opened.push(t);
    if (!(t.store instanceof RedisStore)) throw new Error("expected a RedisStore");
    const client = t.store.client;
    const key = t.engine.keys.sessionWatch("s1");
    const watched = async () =>
      (await t.store.read([t.engine.watches.read("s1")])).map((v) =>
        Array.isArray(v) ? v[0] : v,
      )[0];

    expect(await watched()).toBeNull();
    await t.engine.watches.add("s1");
    await t.engine.watches.add("s1"); // a second subscriber of the same session
    expect(await watched()).toBe("1");
    expect(await client.ttl(key)).toBeGreaterThan(1);
    // Past the TTL, the refresh (every third of it) has kept the key.
    await sleep(4200);
    expect(await watched()).toBe("1");
    t.engine.watches.remove("s1");
    await sleep(2200);
    expect(await watched()).toBe("1"); // one subscriber is left
    t.engine.watches.remove("s1");
    expect(t.engine.watches.count).toBe(0);
    await sleep(3500);
    expect(await watched()).toBeNull();
  }, 20_000);
});
