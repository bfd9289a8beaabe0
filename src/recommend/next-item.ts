import type { Keys } from "../domain/keys.ts";
import type { SessionSnapshot } from "../features/session-snapshot.ts";
import { COVISIT_SOURCES } from "../features/vector/covisitation.ts";
import type { RankedItem } from "../scoring/rank.ts";
import { roundScore } from "../scoring/rank.ts";
import { all, map, type ReadPlan, struct, ztop } from "../state/read-plan.ts";

/**
 * Recommendations for a session with no list on screen (cold start): items co-visited
 * with its latest items, then popular in its city, then popular overall. Scores are tiered
 * (co-visitation in (2,3), city in (1,2), global in (0,1)) so the order is explainable.
 */
export function nextItemPlan(
  keys: Keys,
  snap: SessionSnapshot,
  limit: number,
): ReadPlan<RankedItem[]> {
  return map(
    struct({
      covisit: all(
        snap.touched.slice(0, COVISIT_SOURCES).map((t) => ztop(keys.covisit(t), limit * 2)),
      ),
      city: ztop(snap.city ? keys.cityPopularity(snap.city) : keys.globalPopularity(), limit),
      global: ztop(keys.globalPopularity(), limit),
    }),
    (top) => nextItems(snap, top, limit),
  );
}

interface NextItemSources {
  /** Per session item (latest first): its co-visited items, best first. */
  covisit: [string, number][][];
  /** Popular in the session's city (overall without a city). */
  city: [string, number][];
  global: [string, number][];
}

function nextItems(snap: SessionSnapshot, top: NextItemSources, limit: number): RankedItem[] {
  const covisit = new Map<string, { score: number; via: string }>();
  top.covisit.forEach((neighbours, s) => {
    for (const [item, score] of neighbours) {
      const w = score / (1 + s);
      const cur = covisit.get(item);
      if (cur) cur.score += w;
      else covisit.set(item, { score: w, via: snap.touched[s]! });
    }
  });
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
  const city = top.city;
  const cityTop = city[0]?.[1] ?? 1;
  for (const [item, score] of city)
    push(item, 1 + score / cityTop / 2, snap.city ? "popular_in_city" : "popular");
  const global = top.global;
  const globalTop = global[0]?.[1] ?? 1;
  for (const [item, score] of global) push(item, score / globalTop / 2, "popular");
  return out;
}
