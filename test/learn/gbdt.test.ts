import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { FEATURE_COUNT, FEATURE_INDEX, type FeatureName } from "../../src/features/vector/names.ts";
import type { RankingDataset } from "../../src/learn/dataset.ts";
import { trainLambdaMART } from "../../src/learn/lambdamart.ts";
import {
  compileModel,
  contributions,
  expectedValue,
  GBDT_FORMAT,
  type GbdtModel,
  type GbdtTree,
  leafOf,
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

/**
 * A tree of random shape with `leaves` leaves (children after their parent, the left child
 * sometimes the later one), thresholds drawn from `thresholds`, some -0 leaf values.
 */
function randomTree(
  random: () => number,
  featureCount: number,
  leaves: number,
  thresholds: readonly number[],
): GbdtTree {
  const tree: GbdtTree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
  const open = [0];
  for (let k = 1; k < leaves; k++) {
    const i = open.splice(Math.floor(random() * open.length), 1)[0]!;
    const n = tree.feature.length;
    const swap = random() < 0.3;
    tree.feature[i] = Math.floor(random() * featureCount);
    tree.threshold[i] = thresholds[Math.floor(random() * thresholds.length)]!;
    tree.left[i] = swap ? n + 1 : n;
    tree.right[i] = swap ? n : n + 1;
    for (const c of [n, n + 1]) {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      open.push(c);
    }
  }
  tree.value = tree.value.map(() => (random() < 0.05 ? -0 : (random() - 0.5) / 3));
  return tree;
}

/** Random trees of 1 to 24 leaves, about one in seven a single leaf. */
function randomModel(
  random: () => number,
  featureCount: number,
  treeCount: number,
  thresholds: readonly number[],
): GbdtModel {
  return {
    format: GBDT_FORMAT,
    formatVersion: 1,
    name: "random",
    featureNames: Array.from({ length: featureCount }, (_, k) => `f${k}`),
    baseScore: random() - 0.5,
    trees: Array.from({ length: treeCount }, () =>
      randomTree(
        random,
        featureCount,
        random() < 0.15 ? 1 : 2 + Math.floor(random() * 23),
        thresholds,
      ),
    ),
  };
}

/** compileModel with code generation refused, as under a CSP: the interpreter. */
function compileInterpreted(model: GbdtModel, columns?: number[], stride?: number) {
  vi.stubGlobal("Function", () => {
    throw new EvalError("Code generation from strings disallowed for this context");
  });
  try {
    return compileModel(model, columns, stride);
  } finally {
    vi.unstubAllGlobals();
  }
}

describe("scoreRows: generated code", () => {
  const awkward = [
    0,
    -0,
    1,
    -1,
    0.1 + 0.2,
    1 / 3,
    -2.5e-8,
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    123456789.123,
    1e21,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];

  /**
   * Scores random rows (values at, just around and away from the thresholds, NaN, -0,
   * infinities) of a wider matrix with shuffled columns both ways and checks every score,
   * leaf and explanation against predict, leafOf and contributions.
   */
  function check(model: GbdtModel, random: () => number, n: number, generated = true): void {
    const k = model.featureNames.length;
    const stride = k + 3;
    const columns = Array.from({ length: k }, (_, f) => f + 3);
    for (let a = columns.length - 1; a > 0; a--) {
      const b = Math.floor(random() * (a + 1));
      [columns[a], columns[b]] = [columns[b]!, columns[a]!];
    }
    const pool = [...awkward, Number.NaN, 7, -7];
    for (const tree of model.trees) for (const t of tree.threshold) pool.push(t);
    const matrix = new Float64Array(n * stride);
    for (let i = 0; i < matrix.length; i++) {
      const u = random();
      const v = pool[Math.floor(random() * pool.length)]!;
      matrix[i] = u < 0.6 ? v : u < 0.8 ? v + (random() - 0.5) * 1e-9 : (random() - 0.5) * 4;
    }
    const compiled = compileModel(model, columns, stride);
    expect(compiled.generated).toBe(generated);
    const interpreted = compileInterpreted(model, columns, stride);
    expect(interpreted.generated).toBe(false);
    const T = model.trees.length;
    const out = new Float64Array(n);
    const leaves = new Int32Array(n * T).fill(-9);
    compiled.scoreRows(matrix, n, out, leaves);
    const out2 = new Float64Array(n);
    const leaves2 = new Int32Array(n * T);
    interpreted.scoreRows(matrix, n, out2, leaves2);
    expect(Array.from(leaves)).toEqual(Array.from(leaves2));
    const roots: number[] = [];
    let at = 0;
    for (const tree of model.trees) {
      roots.push(at);
      at += tree.feature.length;
    }
    const x = new Float64Array(k);
    const a = new Float64Array(k);
    const b = new Float64Array(k);
    for (let r = 0; r < n; r++) {
      columns.forEach((col, f) => {
        x[f] = matrix[r * stride + col]!;
      });
      // toBe is Object.is: bit-identical, down to the sign of a zero.
      expect(out[r]).toBe(predict(model, x));
      expect(out2[r]).toBe(out[r]);
      model.trees.forEach((tree, t) => {
        expect(leaves[r * T + t]).toBe(roots[t]! + leafOf(tree, x));
      });
      contributions(model, x, a);
      compiled.leafContributions(leaves, r, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    // Without `leaves` (scored into a scratch buffer), twice: the same sums.
    for (let round = 0; round < 2; round++) {
      const again = new Float64Array(n);
      compiled.scoreRows(matrix, n, again);
      expect(Array.from(again)).toEqual(Array.from(out));
    }
  }

  it("matches predict, leafOf and contributions on random models and awkward inputs", () => {
    const random = mulberry32(2024);
    for (let m = 0; m < 12; m++) {
      const model = randomModel(random, 1 + Math.floor(random() * 9), 1 + m * 7, awkward);
      expect(parseGbdtModel(model)).toEqual(model);
      check(model, random, 60);
    }
  });

  it("handles a NaN threshold (always left) although parseGbdtModel rejects one", () => {
    const random = mulberry32(5);
    check(randomModel(random, 4, 20, [...awkward, Number.NaN]), random, 80);
  });

  it("keeps -0 sums: a -0 baseScore plus -0 leaves", () => {
    const model: GbdtModel = {
      ...handModel(),
      baseScore: -0,
      trees: [0, 1, 2].map(() => ({
        feature: [-1],
        threshold: [0],
        left: [-1],
        right: [-1],
        value: [-0],
      })),
    };
    const out = new Float64Array(2);
    compileModel(model).scoreRows(new Float64Array(6), 2, out);
    expect(out[0]).toBe(-0);
    expect(out[1]).toBe(-0);
  });

  it("handles a model with no trees, and zero rows", () => {
    const model: GbdtModel = { ...handModel(), trees: [] };
    const compiled = compileModel(model);
    expect(compiled.generated).toBe(true);
    const out = new Float64Array(2);
    compiled.scoreRows(new Float64Array(6), 2, out, new Int32Array(0));
    expect(Array.from(out)).toEqual([0.5, 0.5]);
    compileModel(trained).scoreRows(new Float64Array(0), 0, new Float64Array(0));
  });

  it("matches on the trained model and generates code for the shipped one", () => {
    check(trained, mulberry32(11), 300);
    const shipped = parseGbdtModel(
      JSON.parse(readFileSync(new URL("../../models/default.json", import.meta.url), "utf8")),
    );
    expect(compileModel(shipped).generated).toBe(true);
  });

  it("gives big trees a function each, and leaves a tree too big for V8 to the interpreter", () => {
    const random = mulberry32(8);
    // 300 and 1,000 leaves: more nodes than a chunk holds, so one function each
    const model = randomModel(random, 6, 6, awkward);
    model.trees.splice(
      2,
      0,
      randomTree(random, 6, 300, awkward),
      randomTree(random, 6, 1000, awkward),
    );
    check(model, random, 40);
    // 1,025 leaves: 2,049 nodes, past the most one function may hold
    model.trees.push(randomTree(random, 6, 1025, awkward));
    check(model, random, 40, false);
  });

  it("rejects a stride that is not a non-negative integer", () => {
    expect(() => compileModel(trained, undefined, 4.5)).toThrow(/stride must be a non-negative/);
    expect(() => compileModel(trained, undefined, -1)).toThrow(RangeError);
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
