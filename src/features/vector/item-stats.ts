import { ITEM_EVENT_TYPES, itemEventIndex } from "../../domain/event-type.ts";
import { zmscore } from "../../state/read-plan.ts";
import { ITEM_FIELDS } from "../accumulators/item-stats.ts";
import { defineFamily } from "./family.ts";
import { rankInto } from "./rank.ts";

const CTR_PRIOR_CLICKS = 0.4;
const CTR_PRIOR_IMPRESSIONS = 10;
/** Interactions other than clickouts, one counter field per item event type. */
const INTERACTION_FIELDS = ITEM_EVENT_TYPES.filter((t) => t !== "CLICKOUT").map((t) =>
  ITEM_FIELDS.byType(itemEventIndex(t)),
);

/**
 * What every session did with the candidate: impressions, clickouts, click-through rates
 * (plain and position-corrected: over impressions at or above a clicked slot, with a
 * prior), interactions, the rank of its corrected CTR in the list, global popularity.
 */
export const itemStatsFamily = defineFamily({
  name: "item statistics",
  features: [
    "i_impressions",
    "i_clickouts",
    "i_ctr",
    "i_exam_ctr",
    "i_interactions",
    "exam_ctr_rank",
    "global_pop",
  ],
  itemFields: [
    ITEM_FIELDS.impressions,
    ITEM_FIELDS.examined,
    ITEM_FIELDS.clickouts,
    ...INTERACTION_FIELDS,
  ],
  reads: (keys, _snap, list) => zmscore(keys.globalPopularity(), list.items),
  fill(rows, { list, items, data: globalPopularity }) {
    const n = list.items.length;
    const IMP = items.column(ITEM_FIELDS.impressions);
    const EXAM = items.column(ITEM_FIELDS.examined);
    const CLK = items.column(ITEM_FIELDS.clickouts);
    const interactionColumns = INTERACTION_FIELDS.map((f) => items.column(f));
    const examCtr = new Float64Array(n);
    for (let i = 0; i < n; i++)
      examCtr[i] =
        (items.count(i, CLK) + CTR_PRIOR_CLICKS) / (items.count(i, EXAM) + CTR_PRIOR_IMPRESSIONS);
    const examCtrRank = new Float64Array(n).fill(0.5);
    rankInto(examCtr, examCtrRank);
    for (let i = 0; i < n; i++) {
      const impressions = items.count(i, IMP);
      const clickouts = items.count(i, CLK);
      let interactions = 0;
      for (const c of interactionColumns) interactions += items.count(i, c);
      rows.set(i, "i_impressions", Math.log1p(impressions));
      rows.set(i, "i_clickouts", Math.log1p(clickouts));
      rows.set(i, "i_ctr", (clickouts + CTR_PRIOR_CLICKS) / (impressions + CTR_PRIOR_IMPRESSIONS));
      rows.set(i, "i_exam_ctr", examCtr[i]!);
      rows.set(i, "i_interactions", Math.log1p(interactions));
      rows.set(i, "exam_ctr_rank", examCtrRank[i]!);
      rows.set(i, "global_pop", Math.log1p(globalPopularity[i] ?? 0));
    }
  },
});
