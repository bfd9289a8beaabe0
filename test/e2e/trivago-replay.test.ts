import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import type { SessionEvent } from "../../src/domain/event-type.ts";
import { loadEvents } from "../../src/learn/load-events.ts";
import { prequential } from "../../src/learn/prequential.ts";
import { LinearScorer } from "../../src/scoring/linear-scorer.ts";
import { makeEngine, STORE_KINDS } from "../support/stores.ts";

/**
 * Real trivago RecSys 2019 rows through the offline path (loadEvents, then a prequential
 * replay through the Engine, the same code path as live traffic) on both stores.
 */

const FIXTURE = fileURLToPath(new URL("../fixtures/trivago-part-a-head.csv", import.meta.url));
const FULL = resolve(process.cwd(), "../shared/data/trivago-rsc19/validation_part_a.csv.gz");
const FULL_EXISTS = existsSync(FULL);
if (!FULL_EXISTS) {
  console.log(
    `[trivago replay] skipping the full-file check: ${FULL} not found (cwd ${process.cwd()})`,
  );
}
/** Sessions taken from the head of the full file: a few thousand rows. */
const FULL_SESSIONS = 300;

/**
 * Counts from the raw text, independently of the project's parsers: rows per session (in
 * file order) and which are clickouts. The first five columns (user_id, session_id,
 * timestamp, step, action_type) never contain a comma or quotes, so a plain split is exact.
 */
function rawRows(text: string): { sessionId: string; clickout: boolean }[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  expect(lines[0]?.startsWith("user_id,session_id,timestamp,step,action_type,")).toBe(true);
  return lines.slice(1).map((line) => {
    const cols = line.split(",", 5);
    return { sessionId: cols[1]!, clickout: cols[4] === "clickout item" };
  });
}

/** A `keep` for loadEvents: the events of the first `n` sessions met in file order. */
function firstSessions(n: number): { keep: (e: SessionEvent) => boolean; ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    keep: (e) => {
      if (ids.has(e.sessionId)) return true;
      if (ids.size >= n) return false;
      ids.add(e.sessionId);
      return true;
    },
  };
}

/** The head of the full file, read once for both stores (the file has ~52,000 rows). */
let fullHeadOnce: ReturnType<typeof readFullHead> | undefined;
const fullHead = () => {
  fullHeadOnce ??= readFullHead();
  return fullHeadOnce;
};

async function readFullHead() {
  const raw = rawRows(gunzipSync(readFileSync(FULL)).toString("utf8"));
  const wanted = new Set<string>();
  for (const r of raw) {
    if (wanted.size >= FULL_SESSIONS) break;
    wanted.add(r.sessionId);
  }
  const kept = raw.filter((r) => wanted.has(r.sessionId));
  const sel = firstSessions(FULL_SESSIONS);
  const log = await loadEvents(FULL, defaultConfig(), { keep: sel.keep });
  return {
    raw: raw.length,
    wanted,
    kept: kept.length,
    clickouts: kept.filter((r) => r.clickout).length,
    log,
    ids: sel.ids,
  };
}

async function replay(kind: (typeof STORE_KINDS)[number], events: readonly SessionEvent[]) {
  const t = makeEngine(kind);
  try {
    return await prequential(t, events, { scorer: new LinearScorer() });
  } finally {
    await t.close();
  }
}

describe.each(STORE_KINDS)("trivago replay (%s store)", (kind) => {
  it("the 300-row fixture: no bad row, every clickout scored, the hand-weighted scorer beats shown order", async () => {
    const raw = rawRows(readFileSync(FIXTURE, "utf8"));
    const clickouts = raw.filter((r) => r.clickout).length;
    expect(raw).toHaveLength(300);
    expect(clickouts).toBe(54); // as documented in test/fixtures/README.md

    const log = await loadEvents(FIXTURE, defaultConfig());
    expect(log.bad).toEqual([]);
    expect(log.rows).toBe(300);
    expect(log.events).toHaveLength(300);

    const r = await replay(kind, log.events);
    expect(r.events).toBe(300);
    expect(r.model.n_all).toBe(clickouts);
    expect(r.baselines.shown_order.n_all).toBe(clickouts);
    expect(r.clickedNotShown).toBe(0);
    expect(r.model.mrr_all).toBeGreaterThan(r.baselines.shown_order.mrr_all);
    console.log(
      `[trivago fixture, ${kind}] ${clickouts} clickouts: mrr_all model ${r.model.mrr_all} vs shown_order ${r.baselines.shown_order.mrr_all}; ${Math.round(r.eventsPerSecond)} events/s`,
    );
  });

  it.skipIf(!FULL_EXISTS)(
    `the first ${FULL_SESSIONS} sessions of validation_part_a.csv.gz: same guarantees`,
    { timeout: 120_000 },
    async () => {
      const { raw, wanted, kept, clickouts, log, ids } = await fullHead();
      expect(log.bad).toEqual([]);
      expect(log.rows).toBe(raw);
      expect(ids).toEqual(wanted);
      expect(log.events).toHaveLength(kept);
      expect(kept).toBeGreaterThan(2000);

      const r = await replay(kind, log.events);
      expect(r.model.n_all).toBe(clickouts);
      expect(r.clickedNotShown).toBe(0);
      expect(r.model.mrr_all).toBeGreaterThan(r.baselines.shown_order.mrr_all);
      console.log(
        `[trivago head, ${kind}] ${log.events.length} events, ${clickouts} clickouts: mrr_all model ${r.model.mrr_all} vs shown_order ${r.baselines.shown_order.mrr_all}; ${Math.round(r.eventsPerSecond)} events/s`,
      );
    },
  );
});
