import type { Op } from "../../state/ops.ts";
import type { Accumulator } from "./accumulator.ts";

/** The session's context: step, time, current list and prices, filters, sort, device. */
export const sessionState: Accumulator = ({ event, step }, { keys, config }) => {
  const k = keys.sessionState(event.sessionId);
  const rk = keys.sessionRecent(event.sessionId);
  const ik = keys.sessionItems(event.sessionId);
  const set = (field: string, value: string): Op => ({ op: "hset", key: k, field, value });
  const ops: Op[] = [
    set("step", String(step)),
    set("ts", String(event.timestamp)),
    set("lastType", event.type),
  ];
  if (event.userId) ops.push(set("user", event.userId));
  if (event.city) ops.push(set("city", event.city));
  if (event.platform) ops.push(set("platform", event.platform));
  if (event.device) ops.push(set("device", event.device));
  if (event.sort) ops.push(set("sort", event.sort));
  if (event.filters) ops.push(set("filters", event.filters.join("|")));
  if (event.impressions) {
    ops.push(set("list", event.impressions.join("|")));
    ops.push(set("prices", event.prices ? event.prices.join("|") : ""));
    ops.push(set("listStep", String(step)));
  }
  if (event.itemId) {
    ops.push(set("lastItem", event.itemId), set("lastItemStep", String(step)));
  }
  ops.push({
    op: "lpush",
    key: rk,
    value: `${event.type}|${event.itemId ?? ""}|${step}|${event.timestamp}`,
    cap: config.SESSION_RECENT_EVENTS,
  });
  const ttl = config.SESSION_TTL_SECONDS;
  ops.push(
    { op: "expire", key: k, seconds: ttl },
    { op: "expire", key: rk, seconds: ttl },
    // The published order lives as long as the session, even when it stops changing.
    { op: "expire", key: keys.sessionPublished(event.sessionId), seconds: ttl },
    { op: "expire", key: ik, seconds: ttl },
  );
  return ops;
};
