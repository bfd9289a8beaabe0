import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../features/vector/names.ts";
import { type CompiledGbdt, compileModel, type GbdtModel } from "./gbdt.ts";
import type { Scorer, ScoreTrace } from "./scorer.ts";

/** The leaf each row reached in each tree: reasons then sum precomputed paths, no walk. */
interface LeafTrace extends ScoreTrace {
  readonly kind: "gbdt-leaves";
  readonly leaves: Int32Array;
}

const MIN_REASON = 0.01;

/**
 * Scores with a learned tree model. The model names the features it was trained on; they
 * are looked up by name, so a model stays valid when features are appended later.
 */
export class GbdtScorer implements Scorer {
  readonly name: string;
  private readonly compiled: CompiledGbdt;
  private readonly columns: Int32Array;
  private readonly x: Float64Array;
  private readonly contrib: Float64Array;

  constructor(readonly model: GbdtModel) {
    this.name = model.name;
    const unknown = model.featureNames.filter((f) => !(f in FEATURE_INDEX));
    if (unknown.length > 0)
      throw new Error(
        `model ${model.name} uses features this build does not compute: ${unknown.join(", ")}`,
      );
    this.columns = Int32Array.from(model.featureNames, (f) => FEATURE_INDEX[f as FeatureName]);
    this.compiled = compileModel(model, this.columns, FEATURE_COUNT);
    this.x = new Float64Array(this.columns.length);
    this.contrib = new Float64Array(this.columns.length);
  }

  score(matrix: Float64Array, n: number, out: Float64Array): LeafTrace {
    const leaves = new Int32Array(n * this.compiled.treeCount);
    this.compiled.scoreRows(matrix, n, out, leaves);
    return { kind: "gbdt-leaves", leaves };
  }

  reasons(matrix: Float64Array, i: number, max: number, trace?: ScoreTrace): string[] {
    if (trace?.kind === "gbdt-leaves")
      this.compiled.leafContributions((trace as LeafTrace).leaves, i, this.contrib);
    else {
      this.load(matrix, i);
      this.compiled.contributions(this.x, this.contrib);
    }
    // The `max` largest lifts above MIN_REASON, largest first, ties in feature order: a
    // scan with a short insertion list (this runs for every ranked item of every rescore).
    const top: number[] = [];
    const c = this.contrib;
    for (let f = 0; f < c.length; f++) {
      const v = c[f]!;
      if (!(v > MIN_REASON)) continue;
      if (top.length === max && v <= c[top[max - 1]!]!) continue;
      let k = top.length < max ? top.length : max - 1;
      while (k > 0 && v > c[top[k - 1]!]!) {
        if (k < max) top[k] = top[k - 1]!;
        k--;
      }
      top[k] = f;
    }
    return top.map((f) => this.model.featureNames[f]!);
  }

  private load(matrix: Float64Array, i: number): void {
    const row = i * FEATURE_COUNT;
    for (let k = 0; k < this.columns.length; k++) this.x[k] = matrix[row + this.columns[k]!]!;
  }
}
