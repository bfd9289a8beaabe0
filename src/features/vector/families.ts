import { contentFamily } from "./content.ts";
import { contextFamily } from "./context.ts";
import { covisitationFamily } from "./covisitation.ts";
import type { FeatureFamily } from "./family.ts";
import { itemStatsFamily } from "./item-stats.ts";
import { listFamily } from "./list.ts";
import { sessionFamily } from "./session.ts";

/**
 * Every family of the feature vector. Each feature of FEATURE_NAMES belongs to exactly one
 * (a test checks it); the order here only orders the reads and the fills.
 */
export const FAMILIES: readonly FeatureFamily[] = [
  listFamily,
  sessionFamily,
  itemStatsFamily,
  covisitationFamily,
  contentFamily,
  contextFamily,
];
