/**
 * Memory of the item catalogue in Redis: imports an item file into an empty prefix of the
 * Redis at REDIS_URL, and reports INFO used_memory before and after and MEMORY USAGE of
 * the item hashes and property/city sets.
 *
 *   REDIS_URL=redis://127.0.0.1:6399 npx tsx scripts/catalog-memory.ts <item_metadata.csv[.gz]>
 */
import { Redis } from "ioredis";
import { Catalog } from "../src/catalog/catalog.ts";
import { type ItemUpdate, validateItem } from "../src/catalog/item.ts";
import { defaultConfig } from "../src/config.ts";
import { createKeys } from "../src/domain/keys.ts";
import { openItemSource } from "../src/ingest/sources/item-metadata.ts";
import { RedisStore } from "../src/state/redis-store.ts";

const file = process.argv[2];
const url = process.env.REDIS_URL;
if (!file || !url)
  throw new Error("usage: REDIS_URL=redis://... tsx scripts/catalog-memory.ts <file>");
const prefix = `mem${Date.now()}`;
const config = defaultConfig({ REDIS_PREFIX: prefix });
const redis = new Redis(url);
const store = new RedisStore({ url });
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
const items: ItemUpdate[] = [];
for await (const row of openItemSource(file)) {
  if ("error" in row) continue;
  const c = validateItem(row.item, config, "item");
  if (c.ok) items.push(c.value);
}
const before = await used();
const catalog = new Catalog(store, createKeys(prefix));
for (let i = 0; i < items.length; i += 500) await catalog.upsert(items.slice(i, i + 500));
const after = await used();
let itemBytes = 0;
let setBytes = 0;
let sets = 0;
for (const it of items)
  itemBytes += Number(
    await redis.call("MEMORY", "USAGE", `${prefix}:{i:${it.itemId}}`, "SAMPLES", "0"),
  );
let cursor = "0";
do {
  const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:{[pc]:*}:items`, "COUNT", 1000);
  cursor = next;
  for (const k of keys) {
    sets++;
    setBytes += Number(await redis.call("MEMORY", "USAGE", k, "SAMPLES", "0"));
  }
} while (cursor !== "0");
const props = items.reduce((n, i) => n + (i.properties?.length ?? 0), 0);
const total = after - before;
console.log(
  JSON.stringify(
    {
      items: items.length,
      propertiesPerItem: Math.round((props / items.length) * 10) / 10,
      usedMemoryDelta: total,
      bytesPerItem: Math.round(total / items.length),
      itemHashBytes: itemBytes,
      indexSets: sets,
      indexSetBytes: setBytes,
      itemsPerGB: Math.round(2 ** 30 / (total / items.length)),
    },
    null,
    2,
  ),
);
let c2 = "0";
do {
  const [next, keys] = await redis.scan(c2, "MATCH", `${prefix}:*`, "COUNT", 1000);
  c2 = next;
  if (keys.length) await redis.del(...keys);
} while (c2 !== "0");
await store.close();
redis.disconnect();
