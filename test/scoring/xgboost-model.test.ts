import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_INDEX } from "../../src/features/vector/names.ts";
import { compileModel, predict } from "../../src/scoring/gbdt.ts";
import { GbdtScorer } from "../../src/scoring/gbdt-scorer.ts";
import { float32Threshold, parseXgboostModel } from "../../src/scoring/xgboost.ts";

/**
 * The conversion of XGBoost's JSON model, checked without XGBoost (test/scoring/xgboost.test.ts
 * checks it against XGBoost's own predictions).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function float32FromBits(bits: number): number {
  u32[0] = bits;
  return f32[0]!;
}

function float64Step(x: number, steps: number): number {
  f64[0] = x;
  if (x === 0) return steps > 0 ? 5e-324 : -5e-324;
  u64[0] = x > 0 === steps > 0 ? u64[0]! + 1n : u64[0]! - 1n;
  return f64[0]!;
}

/** Doubles around the rounding boundaries of float32 `c`: where `x > t` must flip. */
function around(c: number): number[] {
  u32[0] = 0;
  f32[0] = c;
  const bits = u32[0]!;
  const up = float32FromBits(c >= 0 && !Object.is(c, -0) ? bits + 1 : bits - 1);
  const down = c === 0 ? -(2 ** -149) : float32FromBits(c > 0 ? bits - 1 : bits + 1);
  const xs = [c, up, down, (c + up) / 2, (c + down) / 2];
  const out: number[] = [];
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    for (let s = -2; s <= 2; s++) out.push(s === 0 ? x : float64Step(x, s));
  }
  return out;
}

describe("float32Threshold", () => {
  const check = (c: number) => {
    const t = float32Threshold(c);
    for (const x of around(c)) expect([c, x, x > t]).toEqual([c, x, Math.fround(x) >= c]);
  };

  it("x > t exactly when fround(x) >= c, at the edges of float32", () => {
    for (const c of [
      0,
      -0,
      1,
      -1,
      0.5,
      2 ** -149,
      -(2 ** -149),
      2 ** -126,
      3.4028234663852886e38,
      -3.4028234663852886e38,
      1000,
      Math.fround(0.1),
      Math.fround(-1.2650648),
    ])
      check(c);
    // Below the lowest float32 only infinity rounds: beyond the overflow boundary.
    const low = -3.4028234663852886e38;
    const t = float32Threshold(low);
    expect(Math.fround(t)).toBe(Number.NEGATIVE_INFINITY);
    expect(Math.fround(float64Step(t, 1))).toBe(low);
  });

  it("on any float32 and doubles around it (odd and even significands alike)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const c = float32FromBits(bits >>> 0);
        if (!Number.isFinite(c)) return;
        check(c);
      }),
      { numRuns: 3000 },
    );
  });

  it("rounds a condition to float32 first and refuses one that is not finite", () => {
    expect(float32Threshold(0.1)).toBe(float32Threshold(Math.fround(0.1)));
    expect(() => float32Threshold(Number.POSITIVE_INFINITY)).toThrow(/not finite/);
  });
});

/**
 * A two-tree XGBoost 1.7 model, as save_model writes it: tree 0 splits f1 (< 0.5; missing
 * goes right) then f0 (< -1.25; missing left), tree 1 is a stump on f0. Node ids are not in
 * depth-first order (node 2 is a leaf, 3 and 4 children of 1), and node 5 was pruned.
 */
function xgbJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    learner: {
      attributes: {},
      feature_names: ["pos", "price"],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: "1", num_trees: "2" },
          tree_info: [0, 0],
          trees: [
            {
              base_weights: [0, 0, 0, 0, 0, 0],
              categories: [],
              categories_nodes: [],
              categories_segments: [],
              categories_sizes: [],
              default_left: [0, 1, 0, 0, 0, 0],
              id: 0,
              left_children: [1, 3, -1, -1, -1, -1],
              right_children: [2, 4, -1, -1, -1, -1],
              split_conditions: [0.5, -1.25, 0.3, -0.1, 0.2, 9],
              split_indices: [1, 0, 0, 0, 0, 0],
              split_type: [0, 0, 0, 0, 0, 0],
              sum_hessian: [10, 6, 4, 2, 4, 0],
              tree_param: { num_deleted: "1", num_feature: "2", num_nodes: "6" },
            },
            {
              base_weights: [0, 0, 0],
              default_left: [1, 0, 0],
              id: 1,
              left_children: [1, -1, -1],
              right_children: [2, -1, -1],
              split_conditions: [0.1, 0.05, -0.05],
              split_indices: [0, 0, 0],
              split_type: [0, 0, 0],
              sum_hessian: [10, 5, 5],
              tree_param: { num_deleted: "0", num_feature: "2", num_nodes: "3" },
            },
          ],
        },
        name: "gbtree",
      },
      learner_model_param: { base_score: "5E-1", num_class: "0", num_feature: "2" },
      objective: { name: "rank:pairwise" },
      ...over,
    },
    version: [1, 7, 4],
  };
}

describe("parseXgboostModel", () => {
  const fr = Math.fround;
  /** What XGBoost computes for row x, written out by hand from the model above. */
  function byHand(x: [number, number]): number {
    const [pos, price] = x;
    const miss = (v: number) => Number.isNaN(v);
    let t0: number;
    if (miss(price) ? false : fr(price) < fr(0.5)) {
      t0 = (miss(pos) ? true : fr(pos) < fr(-1.25)) ? fr(-0.1) : fr(0.2);
    } else t0 = fr(0.3);
    const t1 = (miss(pos) ? true : fr(pos) < fr(0.1)) ? fr(0.05) : fr(-0.05);
    return fr(fr(fr(0.5) + t0) + t1);
  }

  const rows: [number, number][] = [
    [0, 0],
    [-2, 0.2],
    [-1.25, 0.2],
    [fr(-1.25), 0.4999999999],
    [0.1, 0.5],
    [Math.fround(0.1), Number.NaN],
    [Number.NaN, 0.2],
    [Number.NaN, Number.NaN],
    [0.10000000149011612, 0.49999999],
    [0.1000000014901161, 0.5000000001],
  ];

  it("scores as XGBoost does: float32 comparisons and sums, default directions", () => {
    const model = parseXgboostModel(xgbJson(), "file-name");
    expect(model.name).toBe("file-name");
    expect(model.featureNames).toEqual(["pos", "price"]);
    // The pruned node is gone and children follow their parents.
    expect(model.trees[0]!.feature.length).toBe(5);
    const compiled = compileModel(model);
    for (const x of rows) {
      expect(predict(model, x)).toBe(byHand(x));
      expect(compiled.predict(x)).toBe(byHand(x));
    }
    const out = new Float64Array(rows.length);
    compiled.scoreRows(Float64Array.from(rows.flat()), rows.length, out);
    expect(Array.from(out)).toEqual(rows.map(byHand));
  });

  it("maps features by name into the service's rows and explains them", () => {
    const scorer = new GbdtScorer(parseXgboostModel(xgbJson(), "m"));
    const n = 2;
    const matrix = new Float64Array(n * FEATURE_COUNT);
    const posAt = FEATURE_INDEX.pos;
    const priceAt = FEATURE_INDEX.price;
    matrix[posAt] = -2;
    matrix[priceAt] = 0.2;
    matrix[FEATURE_COUNT + posAt] = 1;
    matrix[FEATURE_COUNT + priceAt] = 0.7;
    const out = new Float64Array(n);
    const trace = scorer.score(matrix, n, out);
    expect(Array.from(out)).toEqual([byHand([-2, 0.2]), byHand([1, 0.7])]);
    // Row 1 goes right at the root (price 0.3 against the root's cover-weighted 0.18) and
    // right on pos in tree 1 (-0.05): only price lifts it.
    expect(scorer.reasons(matrix, 1, 3, trace)).toEqual(["price"]);
    expect(scorer.reasons(matrix, 1, 3)).toEqual(["price"]);
  });

  it("binary:logistic: base_score is a probability and predictions go through the sigmoid", () => {
    const json = xgbJson({ objective: { name: "binary:logistic" } });
    (
      json.learner as { learner_model_param: { base_score: string } }
    ).learner_model_param.base_score = "2.5E-1";
    const model = parseXgboostModel(json, "m");
    const base = fr(-Math.log(fr(fr(1 / fr(0.25)) - 1)));
    expect(model.baseScore).toBe(base);
    const x: [number, number] = [-2, 0.2];
    const m = fr(fr(base + fr(-0.1)) + fr(0.05));
    expect(predict(model, x)).toBe(fr(1 / fr(1 + fr(Math.exp(-m)))));
  });

  it("takes its name from the model's name attribute", () => {
    const model = parseXgboostModel(xgbJson({ attributes: { name: "ranker-7" } }), "file");
    expect(model.name).toBe("ranker-7");
  });

  it("refuses what it cannot score exactly, naming it", () => {
    const dart = xgbJson();
    (dart.learner as { gradient_booster: { name: string } }).gradient_booster.name = "dart";
    expect(() => parseXgboostModel(dart, "m")).toThrow(/gradient_booster.name is "dart"/);
    expect(() => parseXgboostModel(xgbJson({ feature_names: [] }), "m")).toThrow(
      /feature_names must name every feature/,
    );
    expect(() =>
      parseXgboostModel(xgbJson({ objective: { name: "multi:softprob" } }), "m"),
    ).toThrow(/objective.name is "multi:softprob"; supported: rank:pairwise/);
    expect(() =>
      parseXgboostModel(
        xgbJson({ learner_model_param: { base_score: "5E-1", num_class: "3" } }),
        "m",
      ),
    ).toThrow(/several outputs/);
    const cyclic = xgbJson();
    const tree = (
      cyclic.learner as {
        gradient_booster: { model: { trees: { left_children: number[] }[] } };
      }
    ).gradient_booster.model.trees[0]!;
    tree.left_children[1] = 0;
    expect(() => parseXgboostModel(cyclic, "m")).toThrow(/left_children\[1\] = 0 is not a node/);
    const categorical = xgbJson();
    (
      categorical.learner as {
        gradient_booster: { model: { trees: { split_type: number[] }[] } };
      }
    ).gradient_booster.model.trees[1]!.split_type[0] = 1;
    expect(() => parseXgboostModel(categorical, "m")).toThrow(/categorical splits/);
    const unknownFeature = parseXgboostModel(xgbJson({ feature_names: ["pos", "f1"] }), "m");
    expect(() => new GbdtScorer(unknownFeature)).toThrow(/does not compute: f1/);
  });
});
