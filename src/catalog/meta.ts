import type { Keys } from "../domain/keys.ts";
import type { Op } from "../state/ops.ts";
import type { CatalogItem, ItemUpdate } from "./item.ts";
import { normalizeProperty, signature } from "./properties.ts";

/**
 * Catalogue metadata lives in the item's own hash (`<p>:{i:<item>}`, beside its counters),
 * in fields prefixed `m.`: the ranking reads it with the counters in the same HMGET, so
 * content features cost no extra command per candidate.
 */
export const META = {
  /** "1" while the item is in the catalogue. */
  marker: "m",
  /** Properties as given, `|`-joined. */
  properties: "m.p",
  /** MinHash signature of the normalised properties (properties.ts). */
  signature: "m.sig",
  city: "m.city",
  attributePrefix: "m.a.",
  attribute: (name: string) => `m.a.${name}`,
} as const;

/** The item's metadata from its whole hash; undefined when it is not in the catalogue. */
export function parseMeta(
  itemId: string,
  hash: Readonly<Record<string, string>>,
): CatalogItem | undefined {
  if (hash[META.marker] === undefined) return undefined;
  const attributes: Record<string, number> = {};
  for (const [f, v] of Object.entries(hash)) {
    if (f.startsWith(META.attributePrefix))
      attributes[f.slice(META.attributePrefix.length)] = Number(v);
  }
  const p = hash[META.properties];
  return {
    itemId,
    properties: p ? p.split("|") : [],
    city: hash[META.city] || undefined,
    attributes,
  };
}

/**
 * The writes that take an item from `old` (undefined: not in the catalogue) to `old`
 * updated by `update`: index entries first, the item's hash last. Applied as one group
 * they are atomic on one Redis; were a group ever split (a cluster), a crash could only
 * leave index entries the next upsert of the item repairs, since the diff is taken
 * against the hash, which is written last.
 */
export function upsertOps(keys: Keys, old: CatalogItem | undefined, update: ItemUpdate): Op[] {
  const key = keys.item(update.itemId);
  const member = update.itemId;
  const index: Op[] = [];
  const hash: Op[] = [{ op: "hset", key, field: META.marker, value: "1" }];
  if (update.properties !== undefined) {
    const before = new Set((old?.properties ?? []).map(normalizeProperty));
    const after = new Set(update.properties.map(normalizeProperty));
    for (const p of before)
      if (!after.has(p)) index.push({ op: "srem", key: keys.propertyItems(p), member });
    for (const p of after)
      if (!before.has(p)) index.push({ op: "sadd", key: keys.propertyItems(p), member });
    // Re-adding what is there is harmless and repairs an index a split group left behind.
    if (update.properties.length > 0) {
      hash.push({ op: "hset", key, field: META.properties, value: update.properties.join("|") });
      hash.push({ op: "hset", key, field: META.signature, value: signature(after)! });
    } else {
      hash.push(
        { op: "hdel", key, field: META.properties },
        { op: "hdel", key, field: META.signature },
      );
    }
  }
  if (update.city !== undefined) {
    const city = update.city || undefined;
    if (old?.city && old.city !== city)
      index.push({ op: "srem", key: keys.cityItems(old.city), member });
    if (city) {
      index.push({ op: "sadd", key: keys.cityItems(city), member });
      hash.push({ op: "hset", key, field: META.city, value: city });
    } else {
      hash.push({ op: "hdel", key, field: META.city });
    }
  }
  if (update.attributes !== undefined) {
    for (const name of Object.keys(old?.attributes ?? {}))
      if (!Object.hasOwn(update.attributes, name))
        hash.push({ op: "hdel", key, field: META.attribute(name) });
    for (const [name, v] of Object.entries(update.attributes))
      hash.push({ op: "hset", key, field: META.attribute(name), value: String(v) });
  }
  return [...index, ...hash];
}

/**
 * The writes that take an item out of the catalogue: its index entries, its metadata
 * fields and its places in the popularity rankings (so next-item lists stop offering it).
 * Its interaction counters stay: they are history, and come back if the item does.
 */
export function removeOps(keys: Keys, old: CatalogItem): Op[] {
  const key = keys.item(old.itemId);
  const member = old.itemId;
  const ops: Op[] = [];
  for (const p of new Set(old.properties.map(normalizeProperty)))
    ops.push({ op: "srem", key: keys.propertyItems(p), member });
  if (old.city) {
    ops.push({ op: "srem", key: keys.cityItems(old.city), member });
    ops.push({ op: "zrem", key: keys.cityPopularity(old.city), member });
  }
  ops.push({ op: "zrem", key: keys.globalPopularity(), member });
  for (const name of Object.keys(old.attributes))
    ops.push({ op: "hdel", key, field: META.attribute(name) });
  for (const field of [META.properties, META.signature, META.city, META.marker])
    ops.push({ op: "hdel", key, field });
  return ops;
}
