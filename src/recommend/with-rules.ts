import type { SessionSnapshot } from "../features/session-snapshot.ts";
import type { CandidateList } from "../features/vector/family.ts";
import { constant, map, runPlan, srandmember, struct } from "../state/read-plan.ts";
import type { Deps } from "./deps.ts";
import { nextItemPlan } from "./next-item.ts";
import { type RankedList, rankedList } from "./recommendation-list.ts";
import { rerankPlan } from "./rerank.ts";
import { applyRules, type ListRules, ruleFactsPlan, sessionSeen } from "./rules.ts";

/** How many more next-item candidates than asked for are gathered when rules may drop some. */
const NEXT_ITEM_POOL_FACTOR = 4;

/**
 * A reranked list under business rules: the rules' facts are read in the same round trip
 * as the list's features, then the whole ranked list is filtered, boosted and pinned.
 */
export function rerankWithRules(
  deps: Deps,
  snap: SessionSnapshot,
  list: CandidateList,
  rules: ListRules,
  limit: number,
): Promise<RankedList> {
  const ids = withPins(
    list.items,
    rules.pins.map((p) => p.itemId),
  );
  const plan = struct({
    ranked: rerankPlan(deps, snap, list, list.items.length),
    facts: ruleFactsPlan(deps.keys, rules, ids, snap.userId, sessionSeen(snap)),
  });
  return runPlan(
    deps.store,
    map(plan, ({ ranked, facts }) => ({
      ...ranked,
      items: applyRules(ranked.items, rules, facts, limit),
    })),
  );
}

/**
 * Next items under business rules: a larger pool (co-visitation, popularity, and with a
 * city or a required property, catalogue items having it: cold start for filtered lists),
 * then the facts of that pool: one more round trip.
 */
export async function nextItemsWithRules(
  deps: Deps,
  snap: SessionSnapshot,
  rules: ListRules,
  limit: number,
): Promise<RankedList> {
  const { keys, config } = deps;
  const seen = sessionSeen(snap);
  const pool = Math.min(
    config.MAX_CANDIDATES,
    limit * NEXT_ITEM_POOL_FACTOR + rules.excludeItems.size + seen.size,
  );
  // Catalogue items that satisfy the narrowest known rule, for when history offers too few.
  const catalogueKey =
    rules.city !== undefined
      ? keys.cityItems(rules.city)
      : rules.requireProperties[0] !== undefined
        ? keys.propertyItems(rules.requireProperties[0])
        : undefined;
  const { ranked, catalogue } = await runPlan(
    deps.store,
    struct({
      ranked: nextItemPlan(keys, snap, pool),
      catalogue: catalogueKey ? srandmember(catalogueKey, pool) : constant([]),
    }),
  );
  const have = new Set(ranked.map((r) => r.itemId));
  const extra = catalogue.filter((id) => !have.has(id)).sort();
  for (const id of extra)
    ranked.push({ itemId: id, rank: ranked.length + 1, score: 0, reasons: ["catalogue"] });
  const ids = withPins(
    ranked.map((r) => r.itemId),
    rules.pins.map((p) => p.itemId),
  );
  const facts = await runPlan(deps.store, ruleFactsPlan(keys, rules, ids, snap.userId, seen));
  return rankedList(applyRules(ranked, rules, facts, limit), "NEXT_ITEM", deps.models.scorer);
}

function withPins(items: readonly string[], pins: readonly string[]): string[] {
  if (pins.length === 0) return [...items];
  const have = new Set(items);
  return [...items, ...pins.filter((p) => !have.has(p))];
}
