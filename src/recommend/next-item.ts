import type { Keys } from "../domain/keys.ts";
import { COVISIT_SOURCES } from "../features/candidates.ts";
import type { SessionSnapshot } from "../features/session-snapshot.ts";
import type { RankedItem } from "../scoring/rank.ts";
import { roundScore } from "../scoring/rank.ts";
import type { ReadOp, ReadValue } from "../state/store.ts";

/**
 * Recommendations for a session with no list on screen (cold start): items co-visited
 * with its latest items, then popular in its city, then popular overall. Scores are tiered
 * (co-visitation in (2,3), city in (1,2), global in (0,1)) so the order is explainable.
 */
export function nextItemReads(keys: Keys, snap: SessionSnapshot, limit: number): ReadOp[] {
  const reads: ReadOp[] = snap.touched
    .slice(0, COVISIT_SOURCES)
    .map((t) => ({ op: "ztop", key: keys.covisit(t), n: limit * 2 }));
  reads.push({
    op: "ztop",
    key: snap.city ? keys.cityPopularity(snap.city) : keys.globalPopularity(),
    n: limit,
  });
  reads.push({ op: "ztop", key: keys.globalPopularity(), n: limit });
  return reads;
}

export function nextItems(
  snap: SessionSnapshot,
  values: readonly ReadValue[],
  limit: number,
): RankedItem[] {
  const sources = Math.min(COVISIT_SOURCES, snap.touched.length);
  const covisit = new Map<string, { score: number; via: string }>();
  for (let s = 0; s < sources; s++) {
    for (const [item, score] of (values[s] ?? []) as [string, number][]) {
      const w = score / (1 + s);
      const cur = covisit.get(item);
      if (cur) cur.score += w;
      else covisit.set(item, { score: w, via: snap.touched[s]! });
    }
  }
  const out: RankedItem[] = [];
  const seen = new Set<string>();
  const push = (itemId: string, score: number, reason: string) => {
    if (seen.has(itemId) || out.length >= limit) return;
    seen.add(itemId);
    out.push({ itemId, rank: out.length + 1, score: roundScore(score), reasons: [reason] });
  };
  const ranked = [...covisit.entries()].sort(
    (a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1),
  );
  for (const [item, { score, via }] of ranked)
    push(item, 2 + score / (1 + score), `covisited_with:${via}`);
  const city = (values[sources] ?? []) as [string, number][];
  const cityTop = city[0]?.[1] ?? 1;
  for (const [item, score] of city)
    push(item, 1 + score / cityTop / 2, snap.city ? "popular_in_city" : "popular");
  const global = (values[sources + 1] ?? []) as [string, number][];
  const globalTop = global[0]?.[1] ?? 1;
  for (const [item, score] of global) push(item, score / globalTop / 2, "popular");
  return out;
}
