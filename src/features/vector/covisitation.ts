import { all, zmscore } from "../../state/read-plan.ts";
import { defineFamily } from "./family.ts";

/** How many of the session's latest items feed the co-visitation features. */
export const COVISIT_SOURCES = 3;

/**
 * How strongly the candidate was co-visited (touched in the same sessions, near each
 * other) with the session's latest items: their sum, the latest weighted most, and the
 * strongest.
 */
export const covisitationFamily = defineFamily({
  name: "co-visitation",
  features: ["covisit_sum", "covisit_max"],
  reads: (keys, snap, list) =>
    all(snap.touched.slice(0, COVISIT_SOURCES).map((t) => zmscore(keys.covisit(t), list.items))),
  fill(rows, { list, data: bySource }) {
    for (let i = 0; i < list.items.length; i++) {
      let sum = 0;
      let max = 0;
      bySource.forEach((scores, rank) => {
        const v = scores[i] ?? 0;
        sum += v / (1 + rank);
        if (v > max) max = v;
      });
      rows.set(i, "covisit_sum", Math.log1p(sum));
      rows.set(i, "covisit_max", Math.log1p(max));
    }
  },
});
