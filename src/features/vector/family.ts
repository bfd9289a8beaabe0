import type { Keys } from "../../domain/keys.ts";
import { constant, map, type ReadPlan } from "../../state/read-plan.ts";
import type { SessionSnapshot } from "../session-snapshot.ts";
import type { FeatureName } from "./names.ts";

/** A list to score: candidates in shown order, with prices when the site sent them. */
export interface CandidateList {
  items: readonly string[];
  prices: readonly number[] | undefined;
}

/** Where a family writes: row `i` (candidate i of the list), feature by name. */
export interface Rows {
  readonly n: number;
  set(i: number, feature: FeatureName, value: number): void;
}

/**
 * The candidates' item hashes (counters and catalogue fields), read once for every family
 * with one HMGET per candidate. A value is looked up by field name: `column(name)` once
 * per fill, then by candidate.
 */
export interface ItemFields {
  /** Where a field is; it must be one the family declares in `itemFields`. */
  column(field: string): number;
  /** The field of candidate `i`; null when absent. */
  text(i: number, column: number): string | null;
  /** The field as a number; 0 when absent. */
  count(i: number, column: number): number;
}

/** What a family's `fill` is handed: the session, the list, the item hashes, its own reads. */
export interface FamilyInput<D> {
  snap: SessionSnapshot;
  list: CandidateList;
  items: ItemFields;
  data: D;
}

/** A family as written: its features, the fields and keys it reads, and how it fills rows. */
export interface FamilyDefinition<D> {
  readonly name: string;
  /** The features it fills (every one, in every row). */
  readonly features: readonly FeatureName[];
  /** Fields of each candidate's item hash it reads. */
  readonly itemFields?: readonly string[];
  /** Its other reads, with their parser. */
  reads?(keys: Keys, snap: SessionSnapshot, list: CandidateList): ReadPlan<D>;
  fill(rows: Rows, input: FamilyInput<D>): void;
}

/** A family as the vector runs it: its reads' plan gives the function that fills its rows. */
export interface FeatureFamily {
  readonly name: string;
  readonly features: readonly FeatureName[];
  readonly itemFields: readonly string[];
  plan(
    keys: Keys,
    snap: SessionSnapshot,
    list: CandidateList,
  ): ReadPlan<(rows: Rows, items: ItemFields) => void>;
}

/** Pairs a family's reads with its fill, so each sees only its own data's type. */
export function defineFamily<D = undefined>(def: FamilyDefinition<D>): FeatureFamily {
  return {
    name: def.name,
    features: def.features,
    itemFields: def.itemFields ?? [],
    plan: (keys, snap, list) =>
      map(
        def.reads ? def.reads(keys, snap, list) : constant(undefined as D),
        (data) => (rows, items) => def.fill(rows, { snap, list, items, data }),
      ),
  };
}
