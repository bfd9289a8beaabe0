import type { Keys } from "../domain/keys.ts";
import type { Op } from "../state/ops.ts";
import {
  all,
  hgetall,
  hmget,
  map,
  runPlan,
  scard,
  srandmember,
  struct,
  ztop,
} from "../state/read-plan.ts";
import type { Store } from "../state/store.ts";
import type { CatalogItem, ItemUpdate } from "./item.ts";
import { META, parseMeta, removeOps, upsertOps } from "./meta.ts";
import { decodeSignature, normalizeProperty, similarity } from "./properties.ts";

export interface UpsertOutcome {
  upserted: number;
  /** Items that were not in the catalogue before. */
  created: number;
}

export interface SimilarItem {
  itemId: string;
  score: number;
}

/** Rarest properties of an item whose members are sampled for content neighbours. */
const CONTENT_PROPERTIES = 6;
/** Members sampled per property. */
const CONTENT_SAMPLE = 100;

/**
 * The item catalogue: metadata upserts and removals (read the stored metadata, write the
 * difference), lookups, and content-aware similar items. Writes are ops like every other
 * write, so both stores run them with the same semantics.
 */
export class Catalog {
  constructor(
    private readonly store: Store,
    private readonly keys: Keys,
  ) {}

  /** Current metadata of items (undefined for items not in the catalogue). One round trip. */
  async get(itemIds: readonly string[]): Promise<(CatalogItem | undefined)[]> {
    if (itemIds.length === 0) return [];
    return runPlan(
      this.store,
      all(itemIds.map((id) => map(hgetall(this.keys.item(id)), (hash) => parseMeta(id, hash)))),
    );
  }

  /** Upserts validated items (distinct ids): one read round trip, then one atomic group per item. */
  async upsert(items: readonly ItemUpdate[]): Promise<UpsertOutcome> {
    const old = await this.get(items.map((i) => i.itemId));
    const groups: Op[][] = items.map((item, i) => upsertOps(this.keys, old[i], item));
    await this.store.applyMany(groups);
    return { upserted: items.length, created: old.filter((o) => o === undefined).length };
  }

  /** Removes items from the catalogue; returns how many were in it. */
  async remove(itemIds: readonly string[]): Promise<number> {
    const distinct = [...new Set(itemIds)];
    const old = await this.get(distinct);
    const groups: Op[][] = [];
    for (const o of old) if (o) groups.push(removeOps(this.keys, o));
    await this.store.applyMany(groups);
    return groups.length;
  }

  /**
   * Items similar to `itemId`: co-visitation score plus `contentWeight` times the
   * estimated Jaccard similarity of properties. Content candidates are sampled from the
   * sets of the item's rarest properties, so an item with no history yet still gets
   * neighbours. Without metadata (or with contentWeight 0) it is co-visitation alone.
   */
  async similar(itemId: string, limit: number, contentWeight: number): Promise<SimilarItem[]> {
    const first = await runPlan(
      this.store,
      struct({
        meta: hmget(this.keys.item(itemId), [META.properties, META.signature]),
        covisit: ztop(this.keys.covisit(itemId), limit * 2),
      }),
    );
    const [props, sigRaw] = first.meta;
    const covisit = new Map(first.covisit);
    const sig = decodeSignature(sigRaw);
    if (!sig || !props || contentWeight === 0) return top(covisit, limit);

    const normalized = [...new Set(props.split("|").map(normalizeProperty))];
    const cards = await runPlan(
      this.store,
      all(normalized.map((p) => scard(this.keys.propertyItems(p)))),
    );
    // Rarest first; a property only this item has brings no neighbour.
    const rare = normalized
      .map((p, i) => ({ p, n: cards[i] ?? 0 }))
      .filter((x) => x.n > 1)
      .sort((a, b) => a.n - b.n || (a.p < b.p ? -1 : 1))
      .slice(0, CONTENT_PROPERTIES);
    const sampled = await runPlan(
      this.store,
      all(rare.map(({ p }) => srandmember(this.keys.propertyItems(p), CONTENT_SAMPLE))),
    );
    const pool = new Set<string>(covisit.keys());
    for (const v of sampled) for (const id of v) pool.add(id);
    pool.delete(itemId);
    const ids = [...pool];
    const sigs = await runPlan(
      this.store,
      all(ids.map((id) => map(hmget(this.keys.item(id), [META.signature]), (v) => v[0] ?? null))),
    );
    const scores = new Map<string, number>();
    ids.forEach((id, i) => {
      const other = decodeSignature(sigs[i]);
      const content = other ? similarity(sig, other) : 0;
      const score = (covisit.get(id) ?? 0) + contentWeight * content;
      if (score > 0) scores.set(id, score);
    });
    return top(scores, limit);
  }
}

function top(scores: ReadonlyMap<string, number>, limit: number): SimilarItem[] {
  // Same tie order as a Redis ZRANGE ... REV: member descending.
  return [...scores.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .slice(0, limit)
    .map(([itemId, score]) => ({ itemId, score: Math.round(score * 1e6) / 1e6 }));
}
