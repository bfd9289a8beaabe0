import type { Keys } from "../../domain/keys.ts";
import { all, hmgetEach, map, type ReadPlan, struct } from "../../state/read-plan.ts";
import type { SessionSnapshot } from "../session-snapshot.ts";
import { FAMILIES } from "./families.ts";
import type { CandidateList, FeatureFamily, ItemFields, Rows } from "./family.ts";
import { FEATURE_COUNT, FEATURE_INDEX } from "./names.ts";

/**
 * The feature matrix of a list: every family's reads in one plan (one HMGET per candidate
 * for the item fields they all read, then each family's own), and, once read, every
 * family filling its columns. Row-major: candidate i's features at
 * [i * FEATURE_COUNT, (i+1) * FEATURE_COUNT). Pure once read: the same snapshot and reads
 * give the same numbers live, in replay and in training.
 */
export function vectorPlan(
  keys: Keys,
  snap: SessionSnapshot,
  list: CandidateList,
  families: readonly FeatureFamily[] = FAMILIES,
): ReadPlan<Float64Array> {
  const fields = itemFieldsOf(families);
  return map(
    struct({
      hashes: hmgetEach(
        list.items.map((c) => keys.item(c)),
        fields.names,
      ),
      fills: all(families.map((f) => f.plan(keys, snap, list))),
    }),
    ({ hashes, fills }) => {
      const n = list.items.length;
      const m = new Float64Array(n * FEATURE_COUNT);
      const rows: Rows = {
        n,
        set: (i, f, v) => {
          m[i * FEATURE_COUNT + FEATURE_INDEX[f]] = v;
        },
      };
      const items = itemFields(hashes, fields.index);
      for (const fill of fills) fill(rows, items);
      return m;
    },
  );
}

/** Fields read of each candidate's item hash: every family's, each once. */
const fieldsCache = new WeakMap<
  readonly FeatureFamily[],
  { names: string[]; index: Map<string, number> }
>();
function itemFieldsOf(families: readonly FeatureFamily[]) {
  let f = fieldsCache.get(families);
  if (!f) {
    const names = [...new Set(families.flatMap((x) => x.itemFields))];
    f = { names, index: new Map(names.map((n, i) => [n, i])) };
    fieldsCache.set(families, f);
  }
  return f;
}

function itemFields(hashes: (string | null)[][], index: ReadonlyMap<string, number>): ItemFields {
  return {
    column(field) {
      const k = index.get(field);
      if (k === undefined) throw new Error(`item field ${field} is read by no family`);
      return k;
    },
    text: (i, column) => hashes[i]?.[column] ?? null,
    count: (i, column) => Number(hashes[i]?.[column] ?? 0),
  };
}
