import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../features/vector.ts";
import { type CompiledGbdt, compileModel, contributions, type GbdtModel } from "./gbdt.ts";
import type { Scorer } from "./scorer.ts";

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
    this.compiled = compileModel(model);
    this.x = new Float64Array(this.columns.length);
    this.contrib = new Float64Array(this.columns.length);
  }

  score(matrix: Float64Array, n: number, out: Float64Array): void {
    for (let i = 0; i < n; i++) {
      this.load(matrix, i);
      out[i] = this.compiled.predict(this.x);
    }
  }

  reasons(matrix: Float64Array, i: number, max: number): string[] {
    this.load(matrix, i);
    contributions(this.model, this.x, this.contrib);
    const lifts: [string, number][] = [];
    this.contrib.forEach((c, f) => {
      if (c > MIN_REASON) lifts.push([this.model.featureNames[f]!, c]);
    });
    return lifts
      .sort((a, b) => b[1] - a[1])
      .slice(0, max)
      .map(([f]) => f);
  }

  private load(matrix: Float64Array, i: number): void {
    const row = i * FEATURE_COUNT;
    for (let k = 0; k < this.columns.length; k++) this.x[k] = matrix[row + this.columns[k]!]!;
  }
}
