import { describe, expect, it } from "vitest";
import { interactions, LIST_SIZE, type ListedSessions } from "../../bench/lib/listed.ts";
import { BATCH, batchBodies, collectBodies } from "../../bench/shapes.ts";

/**
 * The benchmark's traffic shapes (bench/shapes.ts) are what the targets are about: shape (3)
 * is "every event of a batch from a different session", on sessions shown a 25-item list.
 * Built here without a server, from sessions made up the way the bench lists them.
 */
function listed(count: number): ListedSessions {
  const ids = Array.from({ length: count }, (_, i) => `s.${i}`);
  const lists = new Map(
    ids.map((id, i) => [id, Array.from({ length: LIST_SIZE }, (_, k) => String(1000 + i + k))]),
  );
  return { ids, lists, t0: Date.UTC(2024, 0, 1) };
}

const eventsOf = (body: string) =>
  (JSON.parse(body) as { variables: { events: { sessionId: string; itemId: string }[] } }).variables
    .events;

describe("the bench's traffic shapes", () => {
  it("(3): every batch holds BATCH events, each of another session, on its list below the top 3", () => {
    const s = listed(500);
    const bodies = batchBodies(s, 3);
    expect(bodies).toHaveLength((500 * 3) / BATCH);
    for (const body of bodies) {
      const events = eventsOf(body);
      expect(events).toHaveLength(BATCH);
      expect(new Set(events.map((e) => e.sessionId)).size).toBe(BATCH);
      for (const e of events)
        expect(s.lists.get(e.sessionId)!.indexOf(e.itemId)).toBeGreaterThan(2);
    }
    expect(JSON.parse(bodies[0]!).query).toContain("trackEvents(events: $events)");
    expect(JSON.parse(batchBodies(s, 1, false)[0]!).query).toContain("rescore: false");
  });

  it("(3) refuses a session count that would put two events of one session in a batch", () => {
    expect(() => batchBodies(listed(150), 2)).toThrow(/multiple of 100/);
  });

  it("(1) selects only `accepted`; a session's events come in time order", () => {
    const s = listed(100);
    expect(JSON.parse(collectBodies(s, 1)[0]!).query).toMatch(
      /trackEvent\(event: \$event\) \{ accepted \}/,
    );
    const last = new Map<string, number>();
    for (const e of interactions(s, 4)) {
      expect(e.timestamp).toBeGreaterThan(last.get(e.sessionId) ?? 0);
      last.set(e.sessionId, e.timestamp);
    }
  });
});
