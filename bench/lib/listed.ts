import type { SessionEvent } from "../../src/domain/event-type.ts";
import { gql } from "./load.ts";
import { trackEventsBody } from "./sample.ts";

/** Sessions that were shown a list, the shape every traffic shape of the bench starts from. */
export interface ListedSessions {
  ids: string[];
  /** Each session's list, in the order it was shown. */
  lists: Map<string, string[]>;
  /** The event time of the lists; later events of the bench come after it. */
  t0: number;
}

export const LIST_SIZE = 25;

/**
 * `count` sessions named `<tag>.<i>`, each shown a list of 25 distinct items drawn from
 * `items` (real trivago ids), written through the service's trackEvents in batches of 200.
 */
export async function createListedSessions(
  url: string,
  opts: { count: number; items: readonly string[]; tag: string },
): Promise<ListedSessions> {
  const t0 = Date.UTC(2024, 0, 1);
  const ids = Array.from({ length: opts.count }, (_, i) => `${opts.tag}.${i}`);
  const lists = new Map<string, string[]>();
  const setup: SessionEvent[] = ids.map((sessionId, i) => {
    const shown: string[] = [];
    for (let k = 0; shown.length < LIST_SIZE; k++) {
      const id = opts.items[(i * 7 + k * 13) % opts.items.length]!;
      if (!shown.includes(id)) shown.push(id);
    }
    lists.set(sessionId, shown);
    return {
      sessionId,
      timestamp: t0,
      type: "IMPRESSIONS",
      impressions: shown,
      prices: shown.map((_, k) => 50 + k),
    };
  });
  for (let i = 0; i < setup.length; i += 200)
    await gql(url, trackEventsBody(setup.slice(i, i + 200)));
  return { ids, lists, t0 };
}

const INTERACTIONS = ["ITEM_IMAGE", "ITEM_INFO", "ITEM_RATING", "ITEM_DEALS"] as const;

/** A small deterministic generator, so that two runs send the same events. */
export function lcg(seed = 12345): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/**
 * `rounds` interactions per session on items of its list (below the top three, so that
 * an event can move its item up), round-robin over the sessions: consecutive events are of
 * different sessions, and every event of a session is later than its previous one.
 */
export function interactions(s: ListedSessions, rounds: number, seed = 1): SessionEvent[] {
  const rand = lcg(seed);
  const out: SessionEvent[] = [];
  for (let r = 0; r < rounds; r++)
    for (const sessionId of s.ids) {
      const list = s.lists.get(sessionId)!;
      out.push({
        sessionId,
        timestamp: s.t0 + 1000 * (r + 1),
        type: INTERACTIONS[Math.floor(rand() * INTERACTIONS.length)]!,
        itemId: list[3 + Math.floor(rand() * (list.length - 3))]!,
      });
    }
  return out;
}
