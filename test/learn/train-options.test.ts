import { describe, expect, it } from "vitest";
import { DEFAULT_TRAIN_OPTIONS, GBDT_TRAIN_OPTIONS, trainOptions } from "../../src/learn/train.ts";

describe("trainOptions", () => {
  it("defaults to DART with a fixed number of trees", () => {
    expect(trainOptions()).toEqual(DEFAULT_TRAIN_OPTIONS);
    expect(DEFAULT_TRAIN_OPTIONS).toMatchObject({ boosting: "dart", earlyStoppingRounds: 0 });
  });

  it("starts plain boosting from its own settings (early stopping included)", () => {
    expect(trainOptions({ boosting: "gbdt" })).toEqual(GBDT_TRAIN_OPTIONS);
    expect(GBDT_TRAIN_OPTIONS.earlyStoppingRounds).toBeGreaterThan(0);
  });

  it("lets set options override, and ignores unset (undefined) ones", () => {
    const o = trainOptions({ trees: 50, learningRate: undefined, boosting: undefined, seed: 4 });
    expect(o).toEqual({ ...DEFAULT_TRAIN_OPTIONS, trees: 50, seed: 4 });
  });
});
