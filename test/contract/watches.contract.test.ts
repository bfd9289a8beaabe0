import { afterEach, describe, expect, it } from "vitest";
import { watchedPlan } from "../../src/publish/watches.ts";
import { runPlan } from "../../src/state/read-plan.ts";
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
    const key = t.keys.sessionWatch("s1");
    // The raw field, and what an event's read of it says.
    const watched = async () => {
      const raw = ((await t.store.read([{ op: "hmget", key, fields: ["n"] }]))[0] as unknown[])[0];
      expect(await runPlan(t.store, watchedPlan(t.keys, "s1"))).toBe(raw !== null);
      return raw;
    };

    expect(await watched()).toBeNull();
    await t.watches.add("s1");
    await t.watches.add("s1"); // a second subscriber of the same session
    expect(await watched()).toBe("1");
    expect(await client.ttl(key)).toBeGreaterThan(1);
    // Past the TTL, the refresh (every third of it) has kept the key.
    await sleep(4200);
    expect(await watched()).toBe("1");
    t.watches.remove("s1");
    await sleep(2200);
    expect(await watched()).toBe("1"); // one subscriber is left
    t.watches.remove("s1");
    expect(t.watches.count).toBe(0);
    await sleep(3500);
    expect(await watched()).toBeNull();
  }, 20_000);
});
