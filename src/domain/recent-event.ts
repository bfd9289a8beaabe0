/**
 * One entry of a session's recent-events list (`<p>:{s:<id>}:rc`, newest first), stored as
 * `type|item|step|ts`: the one place it is written and read. Validated ids and event
 * types never hold `|`.
 */
export interface RecentEvent {
  readonly type: string;
  /** The event's item; undefined for events without one. */
  readonly itemId: string | undefined;
  readonly step: number;
  /** Epoch ms (event time). */
  readonly timestamp: number;
}

export function formatRecentEvent(e: RecentEvent): string {
  return `${e.type}|${e.itemId ?? ""}|${e.step}|${e.timestamp}`;
}

export function parseRecentEvent(record: string): RecentEvent {
  const [type = "", itemId = "", step = "0", ts = "0"] = record.split("|");
  return { type, itemId: itemId || undefined, step: Number(step), timestamp: Number(ts) };
}
