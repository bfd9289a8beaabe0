import { describe, expect, it } from "vitest";
import type { RankingDataset } from "../../src/learn/dataset.ts";
import {
  type LambdaMartOptions,
  lambdaGradients,
  trainLambdaMART,
} from "../../src/learn/lambdamart.ts";
import { meanReciprocalRank } from "../../src/learn/metrics.ts";
import { contributions, type GbdtModel, type GbdtTree, predict } from "../../src/scoring/gbdt.ts";
import { mulberry32 } from "../../src/util/prng.ts";

const FEATURES = ["a", "b", "c", "d", "e"];

/** Non-monotone in a and b, so no single feature (either direction) ranks well; c, d, e are noise. */
const utility = (x: ArrayLike<number>) =>
  2 * Math.exp(-(((x[0]! - 0.5) / 0.15) ** 2)) + 1.5 * Math.sin(2 * Math.PI * x[1]!);

/**
 * Lists of 10-25 items with exactly one click, drawn by a multinomial logit on `utility`
 * (utility + Gumbel noise, argmax): ranking by `utility` itself is the best any model can do.
 */
function synthetic(groups: number, seed: number, signal = true, quantize = false): RankingDataset {
  const random = mulberry32(seed);
  const ds: RankingDataset = { featureNames: [...FEATURES], groups: [] };
  for (let g = 0; g < groups; g++) {
    const m = 10 + Math.floor(random() * 16);
    const features: number[][] = [];
    let clicked = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      const x = FEATURES.map(() => (quantize ? Math.round(random() * 10) / 10 : random()));
      const u = (signal ? utility(x) : 0) - Math.log(-Math.log(random()));
      if (u > best) {
        best = u;
        clicked = i;
      }
      features.push(x);
    }
    ds.groups.push({ features, labels: features.map((_, i) => (i === clicked ? 1 : 0)) });
  }
  return ds;
}

const train = synthetic(1500, 1);
const valid = synthetic(600, 2);
const trained = trainLambdaMART(train, valid, {}, "test-model");
const score = (model: GbdtModel) => (x: ArrayLike<number>) => predict(model, x);

function leafOf(tree: GbdtTree, x: ArrayLike<number>): number {
  let i = 0;
  while (tree.left[i]! >= 0) {
    i = x[tree.feature[i]!]! > tree.threshold[i]! ? tree.right[i]! : tree.left[i]!;
  }
  return i;
}

function depthOf(tree: GbdtTree, node = 0): number {
  const l = tree.left[node]!;
  return l < 0 ? 0 : 1 + Math.max(depthOf(tree, l), depthOf(tree, tree.right[node]!));
}

function withoutTiming(model: GbdtModel): string {
  const { seconds: _, ...training } = model.training ?? {};
  return JSON.stringify({ ...model, training });
}

describe("trainLambdaMART on synthetic data", () => {
  it("beats every single-feature and random ranking, and comes close to the oracle", () => {
    const modelMrr = meanReciprocalRank(valid.groups, score(trained.model));
    const oracle = meanReciprocalRank(valid.groups, utility);
    const random = meanReciprocalRank(valid.groups, () => 0); // all tied: index order, unrelated to clicks
    let bestSingle = 0;
    for (let f = 0; f < FEATURES.length; f++) {
      for (const sign of [1, -1]) {
        bestSingle = Math.max(
          bestSingle,
          meanReciprocalRank(valid.groups, (x) => sign * x[f]!),
        );
      }
    }
    expect(random).toBeLessThan(0.22);
    expect(bestSingle).toBeLessThan(0.32);
    expect(oracle).toBeGreaterThan(0.45);
    expect(modelMrr).toBeGreaterThan(bestSingle + 0.12);
    expect(oracle - modelMrr).toBeLessThan(0.035);
  });

  it("attributes the score to the two features that matter", () => {
    const mean = new Float64Array(FEATURES.length);
    for (const g of valid.groups) {
      for (const x of g.features) {
        contributions(trained.model, x).forEach((c, f) => {
          mean[f] = mean[f]! + Math.abs(c);
        });
      }
    }
    const noise = Math.max(mean[2]!, mean[3]!, mean[4]!);
    expect(mean[0]).toBeGreaterThan(3 * noise);
    expect(mean[1]).toBeGreaterThan(3 * noise);
  });

  it("reports metrics that match the exported model under raw-feature inference", () => {
    const { model, bestIteration, history } = trained;
    // Training routes rows by bin index, inference by threshold; they must agree exactly.
    expect(model.metrics?.train_mrr).toBeCloseTo(
      meanReciprocalRank(train.groups, score(model)),
      12,
    );
    expect(model.metrics?.valid_mrr).toBeCloseTo(
      meanReciprocalRank(valid.groups, score(model)),
      12,
    );
    expect(model.metrics?.valid_ndcg).toBeGreaterThan(0.5);
    expect(model.trees).toHaveLength(bestIteration);
    expect(history[bestIteration - 1]?.validMrr).toBe(model.metrics?.valid_mrr);
    expect(model.name).toBe("test-model");
    expect(model.featureNames).toEqual(FEATURES);
    expect(model.training).toMatchObject({
      objective: "ndcg",
      trainRows: expect.any(Number),
      bestIteration,
    });
    // train MRR climbs as trees are added
    expect(history[history.length - 1]?.trainMrr).toBeGreaterThan(
      (history[0]?.trainMrr ?? 1) + 0.05,
    );
  });

  it("stops early and keeps the trees up to the best validation iteration", () => {
    const { bestIteration, history, model } = trained;
    expect(history.length).toBeLessThan(300);
    expect(history.length).toBe(bestIteration + 30);
    const validMrrs = history.map((h) => h.validMrr as number);
    expect(validMrrs.indexOf(Math.max(...validMrrs))).toBe(bestIteration - 1);
    expect(model.training).toMatchObject({
      stopReason: "early stopping",
      iterations: history.length,
    });
  });

  it("stops early on labels that are pure noise", () => {
    const seen: number[] = [];
    const noise = trainLambdaMART(synthetic(300, 3, false), synthetic(300, 4, false), {
      trees: 200,
      earlyStoppingRounds: 10,
      onIteration: ({ iteration }) => seen.push(iteration),
    });
    expect(noise.history.length).toBe(noise.bestIteration + 10);
    expect(noise.history.length).toBeLessThan(200);
    expect(noise.model.trees).toHaveLength(noise.bestIteration);
    expect(seen).toEqual(noise.history.map((h) => h.iteration));
  });

  it("keeps every tree when early stopping is disabled, and trains without validation data", () => {
    const opts: LambdaMartOptions = { trees: 15, earlyStoppingRounds: 0 };
    const all = trainLambdaMART(synthetic(200, 5), synthetic(100, 6), opts);
    expect(all.model.trees).toHaveLength(15);
    expect(all.bestIteration).toBe(15);
    const noValid = trainLambdaMART(synthetic(200, 5), undefined, { trees: 15 });
    expect(noValid.model.trees).toHaveLength(15);
    expect(noValid.history.every((h) => h.validMrr === undefined)).toBe(true);
    expect(noValid.model.metrics).toEqual({ train_mrr: noValid.history[14]?.trainMrr });
  });

  it("also learns with the MRR objective", () => {
    const mrr = trainLambdaMART(train, valid, { objective: "mrr" });
    expect(mrr.model.metrics?.valid_mrr).toBeGreaterThan(0.44);
  });
});

describe("determinism", () => {
  const opts: LambdaMartOptions = { trees: 25, featureFraction: 0.6, seed: 7 };
  const small = synthetic(300, 11);
  const smallValid = synthetic(100, 12);

  it("gives an identical model for the same seed", () => {
    const a = trainLambdaMART(small, smallValid, opts, "m");
    const b = trainLambdaMART(small, smallValid, opts, "m");
    expect(withoutTiming(b.model)).toBe(withoutTiming(a.model));
    expect(b.history).toEqual(a.history);
  });

  it("samples different features with another seed", () => {
    const a = trainLambdaMART(small, smallValid, opts, "m");
    const c = trainLambdaMART(small, smallValid, { ...opts, seed: 8 }, "m");
    expect(JSON.stringify(c.model.trees)).not.toBe(JSON.stringify(a.model.trees));
  });
});

describe("dart boosting", () => {
  const small = synthetic(400, 21);
  const smallValid = synthetic(200, 22);
  const dart: LambdaMartOptions = { boosting: "dart", trees: 60, learningRate: 0.2, seed: 3 };

  it("learns, and its exported model reproduces the reported metrics", () => {
    const d = trainLambdaMART(train, valid, { ...dart, trees: 150, earlyStoppingRounds: 40 });
    // Earlier trees are rescaled as training goes on: the model kept is the ensemble as it
    // was at the best validation iteration, and scoring it gives the MRR reported then.
    expect(d.model.trees).toHaveLength(d.bestIteration);
    expect(d.model.metrics?.valid_mrr).toBeCloseTo(
      meanReciprocalRank(valid.groups, score(d.model)),
      9,
    );
    expect(d.model.metrics?.valid_mrr).toBeGreaterThan(0.44);
  });

  it("keeps train scores in step with the trees it rescales", () => {
    const d = trainLambdaMART(small, undefined, dart);
    expect(d.model.trees).toHaveLength(60);
    expect(d.model.metrics?.train_mrr).toBeCloseTo(
      meanReciprocalRank(small.groups, score(d.model)),
      9,
    );
  });

  it("is plain boosting when no iteration drops a tree", () => {
    const opts: LambdaMartOptions = { trees: 20, seed: 3 };
    const g = trainLambdaMART(small, smallValid, opts, "m");
    const d = trainLambdaMART(small, smallValid, { ...opts, boosting: "dart", skipDrop: 1 }, "m");
    expect(JSON.stringify(d.model.trees)).toBe(JSON.stringify(g.model.trees));
  });

  it("drops trees: the model differs from plain boosting, and is deterministic per seed", () => {
    const g = trainLambdaMART(small, undefined, { ...dart, boosting: "gbdt" }, "m");
    const a = trainLambdaMART(small, undefined, dart, "m");
    const b = trainLambdaMART(small, undefined, dart, "m");
    expect(JSON.stringify(a.model.trees)).not.toBe(JSON.stringify(g.model.trees));
    expect(withoutTiming(b.model)).toBe(withoutTiming(a.model));
  });

  it("rejects bad dart options", () => {
    expect(() =>
      trainLambdaMART(small, undefined, { boosting: "goss" as unknown as "dart" }),
    ).toThrow(/boosting/);
    expect(() => trainLambdaMART(small, undefined, { dropRate: 2 })).toThrow(/dropRate/);
    expect(() => trainLambdaMART(small, undefined, { maxDrop: 0 })).toThrow(/maxDrop/);
    expect(() => trainLambdaMART(small, undefined, { skipDrop: -0.1 })).toThrow(/skipDrop/);
  });
});

describe("tree growth", () => {
  const data = synthetic(400, 21);
  const opts = {
    trees: 5,
    maxLeaves: 7,
    maxDepth: 3,
    minDataInLeaf: 40,
    lambdaL2: 1,
    learningRate: 0.1,
  };
  const { model } = trainLambdaMART(data, undefined, opts);
  const rows = data.groups.flatMap((g) => g.features);

  it("respects maxLeaves, maxDepth and minDataInLeaf", () => {
    for (const tree of model.trees) {
      const leaves = tree.left.filter((l) => l === -1).length;
      expect(leaves).toBeGreaterThan(1);
      expect(leaves).toBeLessThanOrEqual(opts.maxLeaves);
      expect(depthOf(tree)).toBeLessThanOrEqual(opts.maxDepth);
      const counts = new Map<number, number>();
      for (const x of rows) counts.set(leafOf(tree, x), (counts.get(leafOf(tree, x)) ?? 0) + 1);
      for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(opts.minDataInLeaf);
    }
  });

  it("sets first-tree leaves to learningRate * sum(lambda) / (sum(hessian) + lambdaL2)", () => {
    const tree = model.trees[0] as GbdtTree;
    const sums = new Map<number, { g: number; h: number }>();
    for (const group of data.groups) {
      const { lambdas, hessians } = lambdaGradients(
        new Array(group.labels.length).fill(0),
        group.labels,
      );
      group.features.forEach((x, i) => {
        const leaf = leafOf(tree, x);
        const s = sums.get(leaf) ?? { g: 0, h: 0 };
        s.g += lambdas[i]!;
        s.h += hessians[i]!;
        sums.set(leaf, s);
      });
    }
    for (const [leaf, { g, h }] of sums)
      expect(tree.value[leaf]).toBeCloseTo((0.1 * g) / (h + 1), 12);
  });

  it("ignores groups whose labels are all equal", () => {
    // Coarse features keep the bin edges identical when rows are duplicated.
    const base = synthetic(200, 31, true, true);
    const padded: RankingDataset = {
      featureNames: base.featureNames,
      groups: [
        ...base.groups,
        ...base.groups
          .slice(0, 50)
          .map((g) => ({ features: g.features, labels: g.labels.map(() => 0) })),
        ...base.groups
          .slice(50, 80)
          .map((g) => ({ features: g.features, labels: g.labels.map(() => 1) })),
      ],
    };
    const o = { trees: 10, minDataInLeaf: 10 };
    const a = trainLambdaMART(base, undefined, o).model;
    const b = trainLambdaMART(padded, undefined, o).model;
    expect(JSON.stringify(b.trees)).toBe(JSON.stringify(a.trees));
    expect(b.training).toMatchObject({ trainGroups: 280, trainGroupsWithPairs: 200 });
  });
});

describe("lambdaGradients", () => {
  it("matches the LambdaRank formula on a two-item list", () => {
    // |dNDCG| of swapping ranks 1 and 2 = 1 - 1/log2(3); rho = 1/(1+e^0) = 1/2
    const delta = 1 - 1 / Math.log2(3);
    const ndcg = lambdaGradients([0, 0], [1, 0], "ndcg");
    expect(ndcg.lambdas[0]).toBeCloseTo(delta / 2, 15);
    expect(ndcg.lambdas[1]).toBeCloseTo(-delta / 2, 15);
    expect(ndcg.hessians[0]).toBeCloseTo(delta / 4, 15);
    expect(ndcg.hessians[1]).toBeCloseTo(delta / 4, 15);
    // |dRR| = 1 - 1/2
    const mrr = lambdaGradients([0, 0], [1, 0], "mrr");
    expect(Array.from(mrr.lambdas)).toEqual([0.25, -0.25]);
    expect(Array.from(mrr.hessians)).toEqual([0.125, 0.125]);
  });

  it("uses sigma = 1 on the score difference", () => {
    const s = 1.3;
    const { lambdas } = lambdaGradients([0, s], [1, 0], "mrr");
    // relevant item is 2nd; moving it to 1st changes RR by 1/2
    expect(lambdas[0]).toBeCloseTo(0.5 / (1 + Math.exp(-s)), 15);
  });

  it("gives nothing to lists whose labels are all equal", () => {
    for (const labels of [
      [0, 0, 0],
      [1, 1, 1],
    ]) {
      const { lambdas, hessians } = lambdaGradients([0.3, 0.1, 0.2], labels);
      expect(Array.from(lambdas)).toEqual([0, 0, 0]);
      expect(Array.from(hessians)).toEqual([0, 0, 0]);
    }
  });

  it("balances pushes and pulls, and ignores pairs that cannot change MRR", () => {
    const { lambdas } = lambdaGradients([0.5, 0.2, 0.9, -1], [0, 1, 0, 2], "ndcg");
    expect(lambdas.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 15);
    expect(lambdas[3]).toBeGreaterThan(0);
    expect(lambdas[2]).toBeLessThan(0);
    // only relevant items and the items above the first relevant one can move RR
    const mrr = lambdaGradients([0.9, 0.5, 0.2, 0.1], [0, 1, 0, 2], "mrr");
    expect(mrr.lambdas[0]).toBeLessThan(0);
    expect(mrr.lambdas[1]).toBeGreaterThan(0);
  });
});

describe("input validation", () => {
  it("rejects bad options with a clear message", () => {
    const small = synthetic(30, 41);
    expect(() => trainLambdaMART(small, undefined, { trees: 0 })).toThrow(
      /trees must be an integer >= 1/,
    );
    expect(() => trainLambdaMART(small, undefined, { maxBins: 1 })).toThrow(/maxBins/);
    expect(() => trainLambdaMART(small, undefined, { featureFraction: 0 })).toThrow(
      /featureFraction/,
    );
    expect(() => trainLambdaMART(small, undefined, { learningRate: -1 })).toThrow(/learningRate/);
  });

  it("rejects malformed datasets naming the offending group", () => {
    const ds = synthetic(5, 42);
    const broken = structuredClone(ds);
    broken.groups[3]?.labels.pop();
    expect(() => trainLambdaMART(broken, undefined)).toThrow(
      /train\.groups\[3\] has \d+ feature vectors but \d+ labels/,
    );
    const short = structuredClone(ds);
    (short.groups[1]!.features[2] as number[]).pop();
    expect(() => trainLambdaMART(short, undefined)).toThrow(
      /train\.groups\[1\]\.features\[2\] has length 4, expected 5/,
    );
    const renamed = { ...ds, featureNames: ["a", "b", "c", "d", "x"] };
    expect(() => trainLambdaMART(ds, renamed)).toThrow(
      /valid\.featureNames must equal train\.featureNames/,
    );
    const flat = { ...ds, groups: ds.groups.map((g) => ({ ...g, labels: g.labels.map(() => 0) })) };
    expect(() => trainLambdaMART(flat, undefined)).toThrow(
      /no training group has items with differing labels/,
    );
  });
});
