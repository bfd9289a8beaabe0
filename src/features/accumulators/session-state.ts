import { formatRecentEvent } from "../../domain/recent-event.ts";
import { SESSION_FIELDS as F } from "../../domain/session-fields.ts";
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
    set(F.step, String(step)),
    set(F.timestamp, String(event.timestamp)),
    set(F.lastType, event.type),
  ];
  if (event.userId) ops.push(set(F.user, event.userId));
  if (event.city) ops.push(set(F.city, event.city));
  if (event.platform) ops.push(set(F.platform, event.platform));
  if (event.device) ops.push(set(F.device, event.device));
  if (event.sort) ops.push(set(F.sort, event.sort));
  const was = before.raw.state;
  if (event.filters) ops.push(...chunkedWrites(k, F.filters, event.filters.join("|"), was));
  if (event.impressions) {
    ops.push(...chunkedWrites(k, F.list, event.impressions.join("|"), was));
    ops.push(...chunkedWrites(k, F.prices, event.prices ? event.prices.join("|") : "", was));
    ops.push(set(F.listStep, String(step)));
  }
  if (event.itemId) {
    ops.push(set(F.lastItem, event.itemId), set(F.lastItemStep, String(step)));
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
