import { type CandidateList, candidateReads, parseCandidateData } from "../features/candidates.ts";
import type { SessionSnapshot } from "../features/session-snapshot.ts";
import { featureMatrix } from "../features/vector.ts";
import type { Engine } from "../ingest/engine.ts";
import type { RecommendationList } from "../publish/recommendation-list.ts";
import { type RankedItem, rankCandidates } from "../scoring/rank.ts";
import type { ReadOp } from "../state/store.ts";
import { nextItemReads, nextItems } from "./next-item.ts";
import {
  applyRules,
  type ListRules,
  needsReads,
  parseRuleFacts,
  ruleReads,
  sessionSeen,
} from "./rules.ts";

/** How many more next-item candidates than asked for are gathered when rules may drop some. */
const NEXT_ITEM_POOL_FACTOR = 4;

/**
 * `recommendations` with business rules. A reranked list reads the rules' facts in the
 * same round trip as its features; a next-item list gathers a larger pool (co-visitation,
 * popularity, and with a city or a required property, catalogue items having it: cold
 * start for filtered lists), then reads the facts of that pool: one more round trip.
 */
export async function recommendWithRules(
  engine: Engine,
  sessionId: string,
  candidates: readonly string[] | undefined,
  limit: number | undefined,
  rules: ListRules,
): Promise<RecommendationList> {
  const snap = await engine.snapshot(sessionId);
  const max = limit ?? engine.config.DEFAULT_LIMIT;
  const seen = sessionSeen(snap);
  const pinIds = rules.pins.map((p) => p.itemId);
  let items: RankedItem[];
  let source: RecommendationList["source"];
  if ((candidates && candidates.length > 0) || snap.list.length > 0) {
    const list: CandidateList =
      candidates && candidates.length > 0
        ? engine.candidateList(snap, candidates)
        : { items: snap.list, prices: snap.prices };
    const ids = withPins(list.items, pinIds);
    const creads = candidateReads(engine.keys, snap, list);
    const rreads = ruleReads(engine.keys, rules, ids, snap.userId);
    const values = await engine.store.read([...creads, ...rreads]);
    const matrix = featureMatrix(
      snap,
      list,
      parseCandidateData(snap, list, values.slice(0, creads.length)),
    );
    const ranked = rankCandidates(engine.models.scorer, list.items, matrix, list.items.length);
    const facts = parseRuleFacts(rules, ids, values.slice(creads.length), snap.userId, seen);
    items = applyRules(ranked, rules, facts, max);
    source = "RERANK";
  } else {
    items = await nextItemsWithRules(engine, snap, rules, max, seen);
    source = "NEXT_ITEM";
  }
  return {
    sessionId,
    version: snap.publishedVersion,
    items,
    trigger: (snap.lastType as RecommendationList["trigger"]) ?? null,
    generatedAt: snap.lastTs,
    source,
    model: source === "RERANK" ? engine.models.scorer.name : "next-item",
  };
}

async function nextItemsWithRules(
  engine: Engine,
  snap: SessionSnapshot,
  rules: ListRules,
  max: number,
  seen: ReadonlySet<string>,
): Promise<RankedItem[]> {
  const cap = engine.config.MAX_CANDIDATES;
  const pool = Math.min(cap, max * NEXT_ITEM_POOL_FACTOR + rules.excludeItems.size + seen.size);
  const reads: ReadOp[] = nextItemReads(engine.keys, snap, pool);
  const base = reads.length;
  // Catalogue items that satisfy the narrowest known rule, for when history offers too few.
  const catalogueKey =
    rules.city !== undefined
      ? engine.keys.cityItems(rules.city)
      : rules.requireProperties[0] !== undefined
        ? engine.keys.propertyItems(rules.requireProperties[0])
        : undefined;
  if (catalogueKey) reads.push({ op: "srandmember", key: catalogueKey, n: pool });
  const values = await engine.store.read(reads);
  const ranked = nextItems(snap, values.slice(0, base), pool);
  if (catalogueKey) {
    const have = new Set(ranked.map((r) => r.itemId));
    const extra = ((values[base] ?? []) as string[]).filter((id) => !have.has(id)).sort();
    for (const id of extra)
      ranked.push({ itemId: id, rank: ranked.length + 1, score: 0, reasons: ["catalogue"] });
  }
  const ids = withPins(
    ranked.map((r) => r.itemId),
    rules.pins.map((p) => p.itemId),
  );
  const facts = needsReads(rules, snap.userId)
    ? parseRuleFacts(
        rules,
        ids,
        await engine.store.read(ruleReads(engine.keys, rules, ids, snap.userId)),
        snap.userId,
        seen,
      )
    : parseRuleFacts(rules, ids, [], undefined, seen);
  return applyRules(ranked, rules, facts, max);
}

function withPins(items: readonly string[], pins: readonly string[]): string[] {
  if (pins.length === 0) return [...items];
  const have = new Set(items);
  return [...items, ...pins.filter((p) => !have.has(p))];
}
