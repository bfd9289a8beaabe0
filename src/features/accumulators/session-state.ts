import { formatRecentEvent } from "../../domain/recent-event.ts";
import type { Op } from "../../state/ops.ts";
import type { Accumulator } from "./accumulator.ts";
import { chunkedWrites } from "./chunked-field.ts";

/** The session's context: step, time, current list and prices, filters, sort, device. */
export const sessionState: Accumulator = ({ event, step, before }, { keys, config }) => {
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
  const was = before.raw.state;
  if (event.filters) ops.push(...chunkedWrites(k, "filters", event.filters.join("|"), was));
  if (event.impressions) {
    ops.push(...chunkedWrites(k, "list", event.impressions.join("|"), was));
    ops.push(...chunkedWrites(k, "prices", event.prices ? event.prices.join("|") : "", was));
    ops.push(set("listStep", String(step)));
  }
  if (event.itemId) {
    ops.push(set("lastItem", event.itemId), set("lastItemStep", String(step)));
  }
  ops.push({
    op: "lpush",
    key: rk,
    value: formatRecentEvent({
      type: event.type,
      itemId: event.itemId,
      step,
      timestamp: event.timestamp,
    }),
    cap: config.SESSION_RECENT_EVENTS,
  });
  const ttl = config.SESSION_TTL_SECONDS;
  ops.push(
    { op: "expire", key: k, seconds: ttl },
    { op: "expire", key: rk, seconds: ttl },
    { op: "expire", key: ik, seconds: ttl },
  );
  return ops;
};
