import type { ListBody } from "../recommend/recommendation-list.ts";
import type { RankedItem } from "../scoring/rank.ts";
import { idsDigest } from "./published-state.ts";

/**
 * Splits the list's JSON around its version, so the publish script can number the list
 * atomically in Redis and the message still is one plain JSON document.
 */
export function payloadParts(list: ListBody): {
  head: string;
  tail: string;
} {
  // A control character cannot occur in validated ids or in reasons, so this marker is unique.
  const marker = "\u0000version\u0000";
  const json = JSON.stringify({
    sessionId: list.sessionId,
    version: marker,
    items: list.items,
    trigger: list.trigger,
    generatedAt: list.generatedAt,
    source: list.source,
    model: list.model,
  });
  const quoted = JSON.stringify(marker);
  const at = json.indexOf(quoted);
  return { head: json.slice(0, at), tail: json.slice(at + quoted.length) };
}

/**
 * What "the order changed" compares: a 96-bit digest of the ranked ids rather than the ids
 * themselves, so the published state costs 16 bytes per session whatever the list length.
 */
export function orderKey(items: readonly RankedItem[]): string {
  return idsDigest(items.map((i) => i.itemId));
}
