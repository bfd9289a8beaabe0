import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../../src/features/vector.ts";
import { type RankingDataset, trainLambdaMART } from "../../src/learn/lambdamart.ts";
import {
  compileModel,
  contributions,
  expectedValue,
  GBDT_FORMAT,
  type GbdtModel,
  parseGbdtModel,
  predict,
} from "../../src/scoring/gbdt.ts";
import { GbdtScorer } from "../../src/scoring/gbdt-scorer.ts";
import { mulberry32 } from "../../src/util/prng.ts";

/**
 * tree 0:            node0: a <= 1 ?              (value 0.09, cover 10)
 *             node1: leaf 0.3        node2: b <= 0 ?   (value -0.05, cover 6)
 *                              node3: leaf -0.2   node4: leaf 0.1
 * tree 1: a single leaf 0.25
 */
function handModel(): GbdtModel {
  return {
    format: GBDT_FORMAT,
    formatVersion: 1,
    name: "hand",
    featureNames: ["a", "b", "c"],
    baseScore: 0.5,
    trees: [
      {
        feature: [0, -1, 1, -1, -1],
        threshold: [1, 0, 0, 0, 0],
        left: [1, -1, 3, -1, -1],
        right: [2, -1, 4, -1, -1],
        value: [0.09, 0.3, -0.05, -0.2, 0.1],
        cover: [10, 4, 6, 3, 3],
      },
      { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0.25] },
    ],
    metrics: { valid_mrr: 0.5 },
  };
}

function trainedModel(): { model: GbdtModel; rows: ArrayLike<number>[] } {
  const random = mulberry32(99);
  const ds: RankingDataset = { featureNames: ["a", "b", "c", "d"], groups: [] };
  for (let g = 0; g < 300; g++) {
    const features = Array.from({ length: 15 }, () => [random(), random(), random(), random()]);
    const u = features.map((x) => Math.sin(6 * x[0]!) + x[1]! ** 2 - Math.log(-Math.log(random())));
    const clicked = u.indexOf(Math.max(...u));
    ds.groups.push({ features, labels: features.map((_, i) => (i === clicked ? 1 : 0)) });
  }
  const { model } = trainLambdaMART(ds, undefined, { trees: 40, minDataInLeaf: 10 }, "small");
  return { model, rows: ds.groups.flatMap((g) => g.features) };
}

const { model: trained, rows } = trainedModel();

describe("predict", () => {
  const m = handModel();

  it("walks each tree and adds the leaves to baseScore", () => {
    expect(predict(m, [0, 0, 0])).toBeCloseTo(0.5 + 0.3 + 0.25, 15);
    expect(predict(m, [2, 0, 0])).toBeCloseTo(0.5 - 0.2 + 0.25, 15);
    expect(predict(m, [2, 5, 0])).toBeCloseTo(0.5 + 0.1 + 0.25, 15);
  });

  it("goes left on equality, NaN and missing features", () => {
    expect(predict(m, [1, 9, 9])).toBe(predict(m, [0, 0, 0]));
    expect(predict(m, [2, 0, 0])).toBe(predict(m, [2, -1, 0]));
    expect(predict(m, [Number.NaN, 9, 9])).toBe(predict(m, [0, 0, 0]));
    expect(predict(m, [2, Number.NaN, 9])).toBe(predict(m, [2, 0, 0]));
    expect(predict(m, [2])).toBe(predict(m, [2, 0, 0]));
  });

  it("accepts typed arrays", () => {
    expect(predict(m, Float64Array.of(2, 5, 0))).toBe(predict(m, [2, 5, 0]));
  });

  it("compiled model predicts bit-identically", () => {
    const c = compileModel(trained);
    expect(c.featureCount).toBe(4);
    for (const x of rows.slice(0, 500)) expect(c.predict(x)).toBe(predict(trained, x));
    const ch = compileModel(m);
    for (const x of [
      [0, 0, 0],
      [2, 0, 0],
      [2, 5, 0],
      [Number.NaN, 1, 1],
    ]) {
      expect(ch.predict(x)).toBe(predict(m, x));
    }
  });
});

describe("contributions", () => {
  it("credits each step of the path to the split feature (hand model)", () => {
    const m = handModel();
    expect(expectedValue(m)).toBeCloseTo(0.5 + 0.09 + 0.25, 15);
    const c = contributions(m, [2, 5, 0]);
    expect(c[0]).toBeCloseTo(-0.05 - 0.09, 15); // root -> node2
    expect(c[1]).toBeCloseTo(0.1 - -0.05, 15); // node2 -> node4
    expect(c[2]).toBe(0);
  });

  it("sums with expectedValue to the prediction on a trained model", () => {
    const base = expectedValue(trained);
    const out = new Float64Array(4);
    for (const x of rows.slice(0, 1000)) {
      contributions(trained, x, out);
      const total = base + out.reduce((a, b) => a + b, 0);
      expect(Math.abs(total - predict(trained, x))).toBeLessThan(1e-9);
    }
  });

  it("the packed trees give the same contributions, bit for bit", () => {
    const compiled = compileModel(trained);
    const a = new Float64Array(4);
    const b = new Float64Array(4).fill(9);
    for (const x of rows.slice(0, 1000)) {
      contributions(trained, x, a);
      compiled.contributions(x, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it("scoreRows and leafContributions over a matrix match predict and contributions, bit for bit", () => {
    // The live path: features sit in wider rows in another order (columns), scored tree by
    // tree, and a row is explained later from the leaves it reached.
    const columns = [5, 0, 3, 1];
    const stride = 7;
    const compiled = compileModel(trained, columns, stride);
    const n = 300;
    const matrix = new Float64Array(n * stride).fill(Number.NaN);
    const xs = rows.slice(0, n);
    xs.forEach((x, r) => {
      columns.forEach((col, k) => {
        matrix[r * stride + col] = x[k]!;
      });
    });
    const out = new Float64Array(n);
    const leaves = new Int32Array(n * compiled.treeCount);
    compiled.scoreRows(matrix, n, out, leaves);
    const a = new Float64Array(4);
    const b = new Float64Array(4).fill(9);
    xs.forEach((x, r) => {
      expect(out[r]).toBe(predict(trained, x));
      contributions(trained, x, a);
      compiled.leafContributions(leaves, r, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    });
    const again = new Float64Array(n);
    compiled.scoreRows(matrix, n, again);
    expect(Array.from(again)).toEqual(Array.from(out));
  });

  it("zeroes a reused buffer and rejects one that is too short", () => {
    const m = handModel();
    const out = new Float64Array([7, 7, 7]);
    expect(Array.from(contributions(m, [0, 0, 0], out))).toEqual([0.3 - 0.09, 0, 0]);
    expect(() => contributions(m, [0, 0, 0], new Float64Array(2))).toThrow(
      /out has length 2, the model has 3 features/,
    );
  });

  it("gives internal nodes the cover-weighted mean of their children", () => {
    for (const tree of trained.trees) {
      const cover = tree.cover as number[];
      tree.left.forEach((l, i) => {
        if (l < 0) return;
        const r = tree.right[i]!;
        const mean = (tree.value[l]! * cover[l]! + tree.value[r]! * cover[r]!) / cover[i]!;
        expect(tree.value[i]).toBeCloseTo(mean, 12);
      });
    }
  });
});

describe("parseGbdtModel", () => {
  it("round-trips a trained model through JSON and predicts identically", () => {
    const parsed = parseGbdtModel(JSON.parse(JSON.stringify(trained)));
    expect(parsed).toEqual(trained);
    for (const x of rows.slice(0, 500)) expect(predict(parsed, x)).toBe(predict(trained, x));
    expect(parsed.training).toMatchObject({ algorithm: "lambdamart" });
  });

  it("accepts the hand-built model", () => {
    expect(parseGbdtModel(JSON.parse(JSON.stringify(handModel())))).toEqual(handModel());
  });

  // biome-ignore lint/suspicious/noExplicitAny: these cases corrupt arbitrary parts of the JSON
  type Json = any;
  const cases: [string, (m: Json) => void, RegExp][] = [
    ["a non-object", () => {}, /root must be an object/],
    [
      "the wrong format",
      (m) => (m.format = "xgboost"),
      /format must be "sessionrank\.gbdt", got "xgboost"/,
    ],
    ["another version", (m) => (m.formatVersion = 2), /formatVersion must be 1, got 2/],
    ["a missing name", (m) => delete m.name, /name must be a string/],
    [
      "missing feature names",
      (m) => delete m.featureNames,
      /featureNames must be an array of strings/,
    ],
    [
      "duplicate feature names",
      (m) => (m.featureNames[2] = "a"),
      /featureNames\[2\] duplicates feature name "a"/,
    ],
    [
      "a non-numeric baseScore",
      (m) => (m.baseScore = "0.5"),
      /baseScore must be a finite number, got "0.5"/,
    ],
    ["trees not an array", (m) => (m.trees = {}), /trees must be an array/],
    [
      "a tree that is not an object",
      (m) => (m.trees[1] = 3),
      /trees\[1\] must be an object, got 3/,
    ],
    [
      "an empty tree",
      (m) => (m.trees[1] = { feature: [], threshold: [], left: [], right: [], value: [] }),
      /trees\[1\]\.feature is empty/,
    ],
    [
      "mismatched array lengths",
      (m) => m.trees[0].threshold.pop(),
      /trees\[0\]\.threshold has length 4, expected 5/,
    ],
    [
      "a missing array",
      (m) => delete m.trees[0].value,
      /trees\[0\]\.value must be an array of numbers, got undefined/,
    ],
    [
      "a non-numeric value",
      (m) => (m.trees[0].value[1] = "x"),
      /trees\[0\]\.value\[1\] must be a number, got "x"/,
    ],
    [
      "a null (NaN) leaf",
      (m) => (m.trees[0].value[3] = null),
      /trees\[0\]\.value\[3\] must be a number, got null/,
    ],
    [
      "a feature index out of range",
      (m) => (m.trees[0].feature[2] = 3),
      /trees\[0\]\.feature\[2\] = 3 is out of range: the model has 3 features/,
    ],
    [
      "a fractional feature index",
      (m) => (m.trees[0].feature[0] = 0.5),
      /trees\[0\]\.feature\[0\] = 0\.5 is out of range/,
    ],
    [
      "a child pointing backwards (cycle)",
      (m) => (m.trees[0].left[2] = 0),
      /trees\[0\]\.left\[2\] = 0 must be -1 \(leaf\) or a later node index \(2 < index < 5\)/,
    ],
    [
      "a child past the end",
      (m) => (m.trees[0].right[0] = 5),
      /trees\[0\]\.right\[0\] = 5 must be -1 \(leaf\) or a later node index/,
    ],
    [
      "both children the same node",
      (m) => (m.trees[0].right[2] = 3),
      /trees\[0\]\.right\[2\] = 3 is the same node as left\[2\]/,
    ],
    [
      "a leaf with a right child",
      (m) => (m.trees[0].right[1] = 2),
      /trees\[0\]\.right\[1\] = 2 but node 1 is a leaf/,
    ],
    [
      "a bad cover",
      (m) => (m.trees[0].cover = [1, 2]),
      /trees\[0\]\.cover has length 2, expected 5/,
    ],
    [
      "a non-numeric metric",
      (m) => (m.metrics.valid_mrr = "0.5"),
      /metrics\.valid_mrr must be a number/,
    ],
    ["training that is not an object", (m) => (m.training = [1]), /training must be an object/],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`rejects ${what}`, () => {
      const json = JSON.parse(JSON.stringify(handModel()));
      breakIt(json);
      const input = what === "a non-object" ? [json] : json;
      expect(() => parseGbdtModel(input)).toThrow(message);
      expect(() => parseGbdtModel(input)).toThrow(/^invalid GBDT model: /);
    });
  }
});

describe("GbdtScorer.reasons", () => {
  it("names the largest lifts above 0.01, largest first, ties in feature order (as a full sort would)", () => {
    const model = parseGbdtModel(
      JSON.parse(readFileSync(new URL("../../models/default.json", import.meta.url), "utf8")),
    );
    const scorer = new GbdtScorer(model);
    const rand = mulberry32(7);
    const n = 50;
    const matrix = new Float64Array(n * FEATURE_COUNT);
    for (let i = 0; i < matrix.length; i++) matrix[i] = rand() < 0.3 ? 0 : rand() * 20;
    const x = new Float64Array(model.featureNames.length);
    const c = new Float64Array(model.featureNames.length);
    const trace = scorer.score(matrix, n, new Float64Array(n));
    let named = 0;
    for (let i = 0; i < n; i++) {
      model.featureNames.forEach((f, k) => {
        x[k] = matrix[i * FEATURE_COUNT + FEATURE_INDEX[f as FeatureName]]!;
      });
      contributions(model, x, c);
      const expected = [...c]
        .map((v, f) => [model.featureNames[f]!, v] as const)
        .filter(([, v]) => v > 0.01)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([f]) => f);
      const got = scorer.reasons(matrix, i, 3);
      expect(got).toEqual(expected);
      // From the leaves recorded while scoring: the same reasons.
      expect(scorer.reasons(matrix, i, 3, trace)).toEqual(expected);
      named += got.length;
    }
    expect(named).toBeGreaterThan(0);
  });
});
