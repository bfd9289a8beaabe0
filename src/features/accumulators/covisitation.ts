import { isItemEvent } from "../../domain/event-type.ts";
import type { Op } from "../../state/ops.ts";
import type { Accumulator } from "./accumulator.ts";

/**
 * Item-to-item co-visitation: when a session touches item X, X and each of the last
 * COVISIT_WINDOW distinct items it touched before gain 1/d (d = 1 for the latest), both
 * ways. Each item keeps only its COVISIT_TOP_K strongest neighbours.
 */
export const covisitation: Accumulator = ({ event, before }, { keys, config }) => {
  const x = event.itemId;
  if (!x || !isItemEvent(event.type)) return [];
  const ops: Op[] = [];
  let d = 0;
  for (const y of before.touched) {
    if (y === x) continue;
    d++;
    if (d > config.COVISIT_WINDOW) break;
    const w = 1 / d;
    ops.push(
      { op: "zincr", key: keys.covisit(y), member: x, by: w, cap: config.COVISIT_TOP_K },
      { op: "zincr", key: keys.covisit(x), member: y, by: w, cap: config.COVISIT_TOP_K },
    );
  }
  return ops;
};
