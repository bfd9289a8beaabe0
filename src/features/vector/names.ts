/**
 * The feature vector of (session, candidate): every feature's name, in the order of the
 * matrix columns. The order is the one model artifacts record (models/default.json is
 * pinned to it by a test); append new features at the end so old models keep working (a
 * model names the features it was trained on and the scorer maps them by name). Which
 * family fills each one: vector/families.ts.
 */
export const FEATURE_NAMES = [
  "pos",
  "pos_rel",
  "list_len",
  "price",
  "price_rank",
  "price_rel",
  "s_touches",
  "s_image",
  "s_info",
  "s_rating",
  "s_deals",
  "s_search",
  "s_clickout",
  "s_steps_since",
  "s_recency",
  "is_last_touched",
  "last_touched_slot",
  "slot_minus_last_touched",
  "touched_rank",
  "i_impressions",
  "i_clickouts",
  "i_ctr",
  "i_exam_ctr",
  "i_interactions",
  "covisit_sum",
  "covisit_max",
  "user_clicked_before",
  "city_pop",
  "global_pop",
  "session_step",
  "session_items",
  "exam_ctr_rank",
  "n_filters",
  "s_touched",
  "s_secs_since_touch",
  "last_gap_secs",
  "slot_minus_second_touched",
  "slot_minus_extrapolated",
  "last_type",
  "price_vs_touched",
  "in_prev_list",
  "touched_in_list",
  "prev_pos",
  "touched_rank_in_list",
  "touches_over_max",
  "price_over_min",
  "slot_minus_last_clickout",
  "s_clickout_last",
  "c_in_catalogue",
  "c_sim_touched_max",
  "c_sim_touched_mean",
  "c_sim_last_clickout",
  "c_filters_met",
  "c_filters_frac",
  "c_stars",
  "c_stars_rank",
  "c_rating",
  "c_rating_rank",
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = F;

/** "Never touched" as a number a tree can split on and a linear model can ignore. */
export const NEVER = 1000;
