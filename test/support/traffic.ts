import type { Keys } from "../../src/domain/keys.ts";
import { TrackEventDocument } from "../../src/generated/graphql.ts";
import type { Store } from "../../src/state/store.ts";
import { sessionEvents, uid } from "./events.ts";
import { gql } from "./graphql-client.ts";

/**
 * Steady event traffic for fault tests: `sessions` sessions, each sending its events one
 * after the other (like one browser tab), every event an ITEM_IMAGE of a fresh item, so
 * that each acknowledged event can be found afterwards in the session's state (the
 * session slot) and in the item's counters (another slot on a cluster).
 */
export interface TrafficResult {
  /** Events answered without errors, per session (item ids, in order). */
  acked: Map<string, string[]>;
  /** Events answered with an error (or no answer), per session. */
  failed: Map<string, string[]>;
  /** Error codes seen (extensions.code, or "NETWORK"), with counts. */
  codes: Record<string, number>;
  /** Longest time one event took to be answered (ms), errors included. */
  maxLatencyMs: number;
}

export interface Traffic {
  sessionIds: string[];
  /** Stops sending, waits for the events in flight, and returns the counts. */
  stop(): Promise<TrafficResult>;
  /** Number of events answered so far. */
  answered(): number;
}

export function startTraffic(
  url: string,
  sessions: number,
  opts: { maxEventsPerSession?: number } = {},
): Traffic {
  const max = opts.maxEventsPerSession ?? 90;
  const sessionIds = Array.from({ length: sessions }, () => uid("traffic"));
  const acked = new Map<string, string[]>(sessionIds.map((s) => [s, []]));
  const failed = new Map<string, string[]>(sessionIds.map((s) => [s, []]));
  const codes: Record<string, number> = {};
  let maxLatencyMs = 0;
  let answered = 0;
  let running = true;
  const loops = sessionIds.map(async (sid) => {
    const s = sessionEvents(sid);
    for (let n = 0; running && n < max; n++) {
      const item = `${sid}-i${n}`;
      const t0 = Date.now();
      let ok = false;
      try {
        const res = await gql(url, TrackEventDocument, { event: s.item("ITEM_IMAGE", item) });
        ok = !res.errors?.length && !!res.data;
        for (const e of res.errors ?? []) {
          const code = String(e.extensions?.code ?? "NONE");
          codes[code] = (codes[code] ?? 0) + 1;
        }
      } catch {
        codes.NETWORK = (codes.NETWORK ?? 0) + 1;
      }
      maxLatencyMs = Math.max(maxLatencyMs, Date.now() - t0);
      answered++;
      (ok ? acked : failed).get(sid)!.push(item);
      if (!ok) await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    sessionIds,
    answered: () => answered,
    async stop() {
      running = false;
      await Promise.all(loops);
      return { acked, failed, codes, maxLatencyMs };
    },
  };
}

export interface Audit {
  acked: number;
  failed: number;
  /** Acknowledged events missing from the session state or the item counters. */
  lost: string[];
  /** Failed (unacknowledged) events that were applied nevertheless (the client would retry them). */
  failedButApplied: number;
}

/** Checks every acknowledged event left its mark in its session and in its item's counters. */
export async function audit(store: Store, keys: Keys, r: TrafficResult): Promise<Audit> {
  const lost: string[] = [];
  let acked = 0;
  let failed = 0;
  let failedButApplied = 0;
  for (const [sid, items] of r.acked) {
    const fails = r.failed.get(sid) ?? [];
    acked += items.length;
    failed += fails.length;
    const all = [...items, ...fails];
    const values = await store.read([
      { op: "hgetall", key: keys.sessionItems(sid) },
      ...all.map((i) => ({ op: "hgetall" as const, key: keys.item(i) })),
    ]);
    const touched = values[0] as Record<string, string>;
    all.forEach((item, j) => {
      const inSession = touched[item] !== undefined;
      const counters = values[j + 1] as Record<string, string>;
      const inItem = Object.keys(counters).length > 0;
      if (j < items.length) {
        if (!inSession || !inItem) lost.push(`${item} (session: ${inSession}, item: ${inItem})`);
      } else if (inSession || inItem) {
        failedButApplied++;
      }
    });
  }
  return { acked, failed, lost, failedButApplied };
}
