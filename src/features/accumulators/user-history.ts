import type { Accumulator } from "./accumulator.ts";

/** Items a user clicked out or bought, newest kept (bounded), across sessions. */
export const userHistory: Accumulator = ({ event, userId }, { keys, config }) => {
  if (!userId || !event.itemId) return [];
  if (event.type !== "CLICKOUT" && event.type !== "PURCHASE" && event.type !== "ADD_TO_CART")
    return [];
  const key = keys.userHistory(userId);
  return [
    { op: "zmax", key, member: event.itemId, score: event.timestamp, cap: config.USER_MAX_ITEMS },
    { op: "expire", key, seconds: config.USER_TTL_SECONDS },
  ];
};
