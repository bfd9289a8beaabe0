import { GraphQLError } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { maskErrors } from "../../src/graphql/errors.ts";
import { RedisClusterStore } from "../../src/state/redis-cluster-store.ts";
import { RedisStore } from "../../src/state/redis-store.ts";
import type { Store } from "../../src/state/store.ts";
import { StoreUnavailableError } from "../../src/state/store-errors.ts";
import { uniquePrefix } from "../support/prefix.ts";
import { freePort } from "../support/redis-server.ts";
import { makeStore } from "../support/stores.ts";

/**
 * The stores type their outages: a call that fails because Redis cannot answer rejects
 * with StoreUnavailableError, any other failure with the error as it is; the masker turns
 * the first into SERVICE_UNAVAILABLE by its type and masks everything else.
 */
describe("typed store errors", () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const dead = async () => {
    const port = await freePort(); // nothing listens there
    const s = new RedisStore({
      url: `redis://127.0.0.1:${port}`,
      redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => 50 },
    });
    opened.push(s);
    return s;
  };

  it("Redis unreachable: every call rejects with StoreUnavailableError, the cause kept", async () => {
    const store = await dead();
    const key = `${uniquePrefix()}:k`;
    const calls: [string, () => Promise<unknown>][] = [
      ["apply", () => store.apply([{ op: "hset", key, field: "f", value: "v" }])],
      ["applyMany", () => store.applyMany([[{ op: "hset", key, field: "f", value: "v" }]])],
      [
        "read",
        () =>
          store.read([
            { op: "hgetall", key },
            { op: "lrange", key, n: 3 },
          ]),
      ],
      ["read one", () => store.read([{ op: "hgetall", key }])],
      [
        "applyAndRead",
        () =>
          store.applyAndRead([{ op: "hincr", key, field: "n", by: 1 }], [{ op: "hgetall", key }]),
      ],
      [
        "publishIfChanged",
        () =>
          store.publishIfChanged({
            publishedKey: key,
            versionField: "v",
            orderField: "o",
            channel: `${key}:ch`,
            order: "x",
            ttlSeconds: 60,
          }),
      ],
      ["subscribe", () => store.subscribe(`${key}:ch`, () => {})],
      ["deleteKeys", () => store.deleteKeys([key])],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).cause, name).toBeInstanceOf(Error);
    }
    expect(await store.ping()).toBe(false);
  });

  it("a Redis Cluster with no reachable node: the same", async () => {
    const port = await freePort();
    const store = new RedisClusterStore({
      nodes: [{ host: "127.0.0.1", port }],
      clusterOptions: { clusterRetryStrategy: () => null },
    });
    opened.push(store);
    const key = `${uniquePrefix()}:{k}`;
    await expect(store.apply([{ op: "hset", key, field: "f", value: "v" }])).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.read([{ op: "hgetall", key }])).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it("any other failure keeps its own error (and is masked as unexpected)", async () => {
    const store = makeStore("redis");
    opened.push(store);
    const key = `${uniquePrefix()}:str`;
    await store.client.set(key, "a string, not a hash");
    const err = await store.read([{ op: "hgetall", key }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/WRONGTYPE/);
    expect(
      maskErrors(new GraphQLError("x", { originalError: err as Error }), "Unexpected error.")
        .message,
    ).toBe("Unexpected error.");
  });

  it("the masker goes by the type, not by ioredis' messages", () => {
    const outage = maskErrors(
      new GraphQLError("boom", { originalError: new StoreUnavailableError("down") }),
      "Unexpected error.",
    ) as GraphQLError;
    expect(outage.extensions).toEqual({
      code: "SERVICE_UNAVAILABLE",
      retryable: true,
      retryAfterSeconds: 1,
    });
    expect(outage.message).not.toContain("down");
    // A message that reads like an outage, from anything but a store, is a bug: masked.
    const lookalike = maskErrors(
      new GraphQLError("boom", { originalError: new Error("Connection is closed.") }),
      "Unexpected error.",
    );
    expect(lookalike.message).toBe("Unexpected error.");
  });
});
