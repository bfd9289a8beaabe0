import { it } from "vitest";
import { inject } from "vitest";
import { RedisStore } from "../../src/state/redis-store.ts";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
it("subscribe failing while the subscriber connection is down", async () => {
  const store = new RedisStore({ url: inject("redisUrl") });
  await store.ping();
  const sub = (store as any).sub;
  await new Promise((r) => (sub.status === "ready" ? r(null) : sub.once("ready", r)));
  sub.disconnect();
  const got: string[] = [];
  try { await store.subscribe("chX", (m) => got.push(m)); console.log("first subscribe resolved?!"); } catch (e) { console.log("first subscribe failed:", (e as Error).message); }
  console.log("subscriptionCount after failure", store.subscriptionCount());
  await sub.connect();
  const got2: string[] = [];
  await store.subscribe("chX", (m) => got2.push(m));
  const n = await store.client.publish("chX", "hi");
  await sleep(100);
  console.log("receivers", n, "got2", got2);
  await store.close();
});
