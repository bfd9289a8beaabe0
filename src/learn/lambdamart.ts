/**
 * LambdaMART: gradient-boosted regression trees fitted to LambdaRank gradients. Trees grow
 * leaf-wise (best gain first, like LightGBM) on pre-binned features, so split finding scans
 * small gradient/hessian histograms instead of sorting rows; a child's histogram is the
 * parent's minus its smaller sibling's, so only the smaller child is ever built from rows.
 */
import { GBDT_FORMAT, type GbdtModel, type GbdtTree } from "../scoring/gbdt.ts";
import { mulberry32 } from "../util/prng.ts";
import type { RankingDataset } from "./dataset.ts";
import { ndcg, reciprocalRank } from "./metrics.ts";

export interface LambdaMartOptions {
  trees?: number;
  learningRate?: number;
  maxLeaves?: number;
  /** Root is depth 0; <= 0 means unlimited. */
  maxDepth?: number;
  minDataInLeaf?: number;
  minHessianInLeaf?: number;
  lambdaL2?: number;
  maxBins?: number;
  featureFraction?: number;
  objective?: "ndcg" | "mrr";
  /**
   * "gbdt", or "dart" (DART, Rashmi & Gilad-Bachrach 2015, as LightGBM does it): each new
   * tree is fitted to the ensemble with a random subset of its trees dropped, then the
   * dropped trees and the new one are rescaled so the ensemble's output stays in scale.
   */
  boosting?: "gbdt" | "dart";
  /** dart: chance that each existing tree is dropped for an iteration. */
  dropRate?: number;
  /** dart: most trees dropped in one iteration. */
  maxDrop?: number;
  /** dart: chance that an iteration drops nothing (plain boosting step). */
  skipDrop?: number;
  /** On validation MRR; <= 0 disables early stopping. */
  earlyStoppingRounds?: number;
  seed?: number;
  onIteration?: (info: { iteration: number; trainMrr?: number; validMrr?: number }) => void;
}

export interface TrainResult {
  model: GbdtModel;
  /** Number of trees kept (1-based iteration with the best validation MRR). */
  bestIteration: number;
  history: { iteration: number; trainMrr: number; validMrr?: number }[];
}

type Params = Required<Omit<LambdaMartOptions, "onIteration">>;
type Objective = Params["objective"];

const DEFAULTS: Params = {
  trees: 300,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: 8,
  minDataInLeaf: 20,
  minHessianInLeaf: 1e-3,
  lambdaL2: 1,
  maxBins: 64,
  featureFraction: 1,
  objective: "ndcg",
  boosting: "gbdt",
  dropRate: 0.1,
  maxDrop: 50,
  skipDrop: 0.5,
  earlyStoppingRounds: 30,
  seed: 1,
};

function resolveParams(options: LambdaMartOptions): Params {
  const { onIteration: _, ...given } = options;
  const p: Params = { ...DEFAULTS };
  for (const [k, v] of Object.entries(given))
    if (v !== undefined) (p as Record<string, unknown>)[k] = v;
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`trainLambdaMART: ${what}`);
  };
  const int = (v: number) => Number.isInteger(v);
  check(int(p.trees) && p.trees >= 1, `trees must be an integer >= 1, got ${p.trees}`);
  check(
    p.learningRate > 0 && Number.isFinite(p.learningRate),
    `learningRate must be > 0, got ${p.learningRate}`,
  );
  check(
    int(p.maxLeaves) && p.maxLeaves >= 2,
    `maxLeaves must be an integer >= 2, got ${p.maxLeaves}`,
  );
  check(int(p.maxDepth), `maxDepth must be an integer, got ${p.maxDepth}`);
  check(
    int(p.minDataInLeaf) && p.minDataInLeaf >= 1,
    `minDataInLeaf must be an integer >= 1, got ${p.minDataInLeaf}`,
  );
  check(p.minHessianInLeaf >= 0, `minHessianInLeaf must be >= 0, got ${p.minHessianInLeaf}`);
  check(p.lambdaL2 >= 0 && Number.isFinite(p.lambdaL2), `lambdaL2 must be >= 0, got ${p.lambdaL2}`);
  check(
    int(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 65535,
    `maxBins must be an integer in [2, 65535], got ${p.maxBins}`,
  );
  check(
    p.featureFraction > 0 && p.featureFraction <= 1,
    `featureFraction must be in (0, 1], got ${p.featureFraction}`,
  );
  check(
    p.objective === "ndcg" || p.objective === "mrr",
    `objective must be "ndcg" or "mrr", got ${String(p.objective)}`,
  );
  check(
    p.boosting === "gbdt" || p.boosting === "dart",
    `boosting must be "gbdt" or "dart", got ${String(p.boosting)}`,
  );
  check(p.dropRate >= 0 && p.dropRate <= 1, `dropRate must be in [0, 1], got ${p.dropRate}`);
  check(int(p.maxDrop) && p.maxDrop >= 1, `maxDrop must be an integer >= 1, got ${p.maxDrop}`);
  check(p.skipDrop >= 0 && p.skipDrop <= 1, `skipDrop must be in [0, 1], got ${p.skipDrop}`);
  check(
    int(p.earlyStoppingRounds),
    `earlyStoppingRounds must be an integer, got ${p.earlyStoppingRounds}`,
  );
  check(int(p.seed), `seed must be an integer, got ${p.seed}`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Data: datasets are flattened once into row-major Float64Arrays with group offsets.

interface Flat {
  rows: number;
  x: Float64Array;
  labels: Float64Array;
  /** groupStart[g]..groupStart[g+1] are the rows of group g. */
  groupStart: Int32Array;
}

function flatten(ds: RankingDataset, what: string, featureCount: number): Flat {
  let rows = 0;
  ds.groups.forEach((g, gi) => {
    if (g.features.length !== g.labels.length) {
      throw new Error(
        `${what}.groups[${gi}] has ${g.features.length} feature vectors but ${g.labels.length} labels`,
      );
    }
    rows += g.labels.length;
  });
  const x = new Float64Array(rows * featureCount);
  const labels = new Float64Array(rows);
  const groupStart = new Int32Array(ds.groups.length + 1);
  let r = 0;
  ds.groups.forEach((g, gi) => {
    groupStart[gi] = r;
    g.features.forEach((v, i) => {
      if (v.length !== featureCount) {
        throw new Error(
          `${what}.groups[${gi}].features[${i}] has length ${v.length}, expected ${featureCount}`,
        );
      }
      const label = g.labels[i]!;
      if (!(label >= 0 && Number.isFinite(label))) {
        throw new Error(
          `${what}.groups[${gi}].labels[${i}] must be a finite number >= 0, got ${label}`,
        );
      }
      for (let f = 0; f < featureCount; f++) x[r * featureCount + f] = v[f]!;
      labels[r] = label;
      r++;
    });
  });
  groupStart[ds.groups.length] = rows;
  return { rows, x, labels, groupStart };
}

/**
 * Upper bin edges per feature (last edge +Infinity): value v falls in the first bin whose edge
 * is >= v, and NaN in bin 0. Because a split "bin <= b" is exported as "x <= edge[b]", binned
 * training and raw-value inference route every row identically. Edges are midpoints between
 * adjacent distinct training values, cut greedily so bins hold roughly equal row counts; a
 * heavy value (e.g. a feature that is mostly 0) gets a bin of its own.
 */
function binEdges(values: Float64Array, maxBins: number): Float64Array {
  values.sort(); // typed-array sort is numeric and puts NaN last
  let n = values.length;
  while (n > 0 && Number.isNaN(values[n - 1])) n--;
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (distinct.length > 0 && distinct[distinct.length - 1] === v)
      counts[counts.length - 1] = counts[counts.length - 1]! + 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const m = distinct.length;
  const edges: number[] = [];
  const midpoint = (i: number) => {
    const a = distinct[i]!;
    const b = distinct[i + 1]!;
    const mid = a / 2 + b / 2; // halves first: a + b may overflow
    return mid >= b || mid < a ? a : mid;
  };
  if (m <= maxBins) {
    for (let i = 0; i + 1 < m; i++) edges.push(midpoint(i));
  } else {
    let remaining = n;
    let binsLeft = maxBins;
    let acc = 0;
    for (let i = 0; i + 1 < m && binsLeft > 1; i++) {
      acc += counts[i]!;
      const target = remaining / binsLeft;
      const next = counts[i + 1]!;
      // Cut once the bin is full, or now if taking the next value would overshoot the target
      // by more than stopping short of it.
      if (acc >= target || acc + next - target > target - acc) {
        edges.push(midpoint(i));
        remaining -= acc;
        acc = 0;
        binsLeft--;
      }
    }
  }
  edges.push(Number.POSITIVE_INFINITY);
  return Float64Array.from(edges);
}

function binOf(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return 0;
  let lo = 0;
  let hi = edges.length - 1; // the last edge is +Infinity, so the answer is always <= hi
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Binned {
  edges: Float64Array[];
  /** Feature f owns histogram slots offset[f] .. offset[f] + edges[f].length - 1. */
  offset: Int32Array;
  totalBins: number;
  /** Row-major histogram slot (offset + bin) of every row and feature. */
  slots: Uint16Array | Uint32Array;
}

function binDataset(flat: Flat, featureCount: number, maxBins: number): Binned {
  const edges: Float64Array[] = [];
  const offset = new Int32Array(featureCount);
  let totalBins = 0;
  const column = new Float64Array(flat.rows);
  for (let f = 0; f < featureCount; f++) {
    for (let r = 0; r < flat.rows; r++) column[r] = flat.x[r * featureCount + f]!;
    const e = binEdges(column, maxBins);
    edges.push(e);
    offset[f] = totalBins;
    totalBins += e.length;
  }
  const slots =
    totalBins <= 65536
      ? new Uint16Array(flat.rows * featureCount)
      : new Uint32Array(flat.rows * featureCount);
  for (let f = 0; f < featureCount; f++) {
    const e = edges[f]!;
    const off = offset[f]!;
    for (let r = 0; r < flat.rows; r++) {
      const i = r * featureCount + f;
      slots[i] = off + binOf(e, flat.x[i]!);
    }
  }
  return { edges, offset, totalBins, slots };
}

// ---------------------------------------------------------------------------------------------
// LambdaRank gradients. Convention: a positive lambda pushes the score up; leaf values are
// sum(lambda) / (sum(hessian) + lambdaL2).

let discountTable = new Float64Array(0);
/** 1 / log2(position + 2) for positions 0 .. length-1. */
function discounts(length: number): Float64Array {
  if (length > discountTable.length) {
    discountTable = Float64Array.from(
      { length: Math.max(64, length * 2) },
      (_, p) => 1 / Math.log2(p + 2),
    );
  }
  return discountTable;
}

/**
 * Labels never change during training, so which pairs exist is worked out once per group:
 * byLabel lists the group's items (local indices) by descending label, and lowerStart[u] is the
 * first position in byLabel with a label strictly below byLabel[u]'s. Pairs (byLabel[u],
 * byLabel[v >= lowerStart[u]]) are then exactly the pairs with differing labels, higher first.
 * Both arrays are indexed by row (a + u).
 */
function planGroup(
  labels: Float64Array,
  a: number,
  m: number,
  byLabel: Int32Array,
  lowerStart: Int32Array,
): void {
  const sorted = Array.from({ length: m }, (_, i) => i).sort(
    (x, y) => labels[a + y]! - labels[a + x]! || x - y,
  );
  let lower = 0;
  for (let u = 0; u < m; u++) {
    byLabel[a + u] = sorted[u]!;
    const l = labels[a + sorted[u]!]!;
    if (lower <= u) {
      lower = u + 1;
      while (lower < m && labels[a + sorted[lower]!] === l) lower++;
    }
    lowerStart[a + u] = lower;
  }
}

/** Buffers for lambda computation, all indexed by row except the per-group scratch. */
interface LambdaWork {
  labels: Float64Array;
  /** From planGroup. */
  byLabel: Int32Array;
  lowerStart: Int32Array;
  grad: Float64Array;
  hess: Float64Array;
  /** Scratch of at least the largest group's size: items by descending score, and each item's position. */
  order: Int32Array;
  pos: Int32Array;
}

/**
 * Adds the lambdas/hessians of one group (rows a .. a+m-1) into w.grad/w.hess, weighting every
 * pair with differing labels by how much swapping the two items would change the metric at the
 * current ranking.
 */
function accumulateGroup(
  w: LambdaWork,
  scores: Float64Array,
  a: number,
  m: number,
  invIdcg: number,
  objective: Objective,
): void {
  const { labels, byLabel, lowerStart, grad, hess, order, pos } = w;
  // Stable insertion sort by descending score: groups are short, and ties must stay in index
  // order to match how the metrics rank them.
  for (let i = 0; i < m; i++) {
    const s = scores[a + i]!;
    let p = i;
    while (p > 0 && scores[a + order[p - 1]!]! < s) {
      order[p] = order[p - 1]!;
      p--;
    }
    order[p] = i;
  }
  for (let p = 0; p < m; p++) pos[order[p]!] = p;
  const disc = discounts(m);
  const mrr = objective === "mrr";
  let first = m; // positions of the first and second relevant items (m = none), for MRR deltas
  let second = m;
  if (mrr) {
    for (let p = 0; p < m; p++) {
      if (labels[a + order[p]!]! > 0) {
        if (first === m) first = p;
        else {
          second = p;
          break;
        }
      }
    }
  }
  for (let u = 0; u < m; u++) {
    const hiLocal = byLabel[a + u]!;
    const hi = a + hiLocal;
    const lh = labels[hi]!;
    const ph = pos[hiLocal]!;
    for (let v = lowerStart[a + u]!; v < m; v++) {
      const loLocal = byLabel[a + v]!;
      const lo = a + loLocal;
      const ll = labels[lo]!;
      const pl = pos[loLocal]!;
      let delta: number;
      if (!mrr) {
        delta = (2 ** lh - 2 ** ll) * Math.abs(disc[ph]! - disc[pl]!) * invIdcg;
      } else {
        if (ll > 0) continue; // both relevant: swapping them leaves the first relevant rank alone
        // The relevant item moves to pl: up if pl < ph, otherwise down, which only matters
        // if it was the first relevant item.
        const newFirst =
          pl < ph ? Math.min(first, pl) : ph === first ? Math.min(pl, second) : first;
        delta = Math.abs(1 / (first + 1) - 1 / (newFirst + 1));
        if (delta === 0) continue;
      }
      const rho = 1 / (1 + Math.exp(scores[hi]! - scores[lo]!));
      const lambda = delta * rho;
      const weight = lambda * (1 - rho);
      grad[hi] = grad[hi]! + lambda;
      grad[lo] = grad[lo]! - lambda;
      hess[hi] = hess[hi]! + weight;
      hess[lo] = hess[lo]! + weight;
    }
  }
}

function inverseIdealDcg(labels: Float64Array, a: number, m: number): number {
  const sorted = labels
    .slice(a, a + m)
    .sort()
    .reverse();
  const disc = discounts(m);
  let idcg = 0;
  for (let p = 0; p < m; p++) idcg += (2 ** sorted[p]! - 1) * disc[p]!;
  return idcg > 0 ? 1 / idcg : 0;
}

/** The LambdaRank gradients (lambdas, sigma = 1) and hessians of one list at the given scores. */
export function lambdaGradients(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  objective: Objective = "ndcg",
): { lambdas: Float64Array; hessians: Float64Array } {
  const m = labels.length;
  if (scores.length !== m)
    throw new RangeError(`scores has length ${scores.length} but labels has length ${m}`);
  const s = Float64Array.from(scores);
  const l = Float64Array.from(labels);
  const lambdas = new Float64Array(m);
  const hessians = new Float64Array(m);
  const byLabel = new Int32Array(m);
  const lowerStart = new Int32Array(m);
  planGroup(l, 0, m, byLabel, lowerStart);
  const order = new Int32Array(m);
  const pos = new Int32Array(m);
  const w = { labels: l, byLabel, lowerStart, grad: lambdas, hess: hessians, order, pos };
  accumulateGroup(w, s, 0, m, inverseIdealDcg(l, 0, m), objective);
  return { lambdas, hessians };
}

// ---------------------------------------------------------------------------------------------
// Tree growth.

interface Split {
  gain: number;
  feature: number;
  /** Rows with slot <= slot go left. */
  slot: number;
  threshold: number;
  leftG: number;
  leftH: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  sumG: number;
  sumH: number;
  hist: Float64Array | null;
  split: Split | null;
}

/** Everything a tree needs that lives across iterations (allocated once per training run). */
interface Grower {
  p: Params;
  featureCount: number;
  binned: Binned;
  grad: Float64Array;
  hess: Float64Array;
  /** Rows that carry gradient (groups with differing labels), ascending. */
  active: Int32Array;
  rows: Int32Array;
  scratch: Int32Array;
  /** Histograms: three doubles (g, h, count) per slot; one per live leaf. */
  pool: Float64Array[];
}

function buildHistogram(g: Grower, hist: Float64Array, leaf: Leaf, features: Int32Array): void {
  const { grad, hess, rows, featureCount: F } = g;
  const { offset, edges, slots } = g.binned;
  const nf = features.length;
  for (let k = 0; k < nf; k++) {
    const f = features[k]!;
    hist.fill(0, offset[f]! * 3, (offset[f]! + edges[f]!.length) * 3);
  }
  if (nf === F) {
    // Every feature: the row's slots are contiguous, and skipping the indirection is ~35% faster.
    for (let k = leaf.start; k < leaf.end; k++) {
      const r = rows[k]!;
      const gr = grad[r]!;
      const hr = hess[r]!;
      for (let j = r * F, end = j + F; j < end; j++) {
        const s = slots[j]! * 3;
        hist[s] = hist[s]! + gr;
        hist[s + 1] = hist[s + 1]! + hr;
        hist[s + 2] = hist[s + 2]! + 1;
      }
    }
    return;
  }
  for (let k = leaf.start; k < leaf.end; k++) {
    const r = rows[k]!;
    const gr = grad[r]!;
    const hr = hess[r]!;
    const base = r * F;
    for (let j = 0; j < nf; j++) {
      const s = slots[base + features[j]!]! * 3;
      hist[s] = hist[s]! + gr;
      hist[s + 1] = hist[s + 1]! + hr;
      hist[s + 2] = hist[s + 2]! + 1;
    }
  }
}

function subtractHistogram(
  g: Grower,
  into: Float64Array,
  minus: Float64Array,
  features: Int32Array,
): void {
  const { offset, edges } = g.binned;
  for (const f of features) {
    const end = (offset[f]! + edges[f]!.length) * 3;
    for (let s = offset[f]! * 3; s < end; s++) into[s] = into[s]! - minus[s]!;
  }
}

function findSplit(g: Grower, leaf: Leaf, features: Int32Array): Split | null {
  const { minDataInLeaf, minHessianInLeaf, lambdaL2 } = g.p;
  const { offset, edges } = g.binned;
  const hist = leaf.hist!;
  const G = leaf.sumG;
  const H = leaf.sumH;
  const C = leaf.end - leaf.start;
  const parentScore = (G * G) / (H + lambdaL2);
  let best: Split | null = null;
  let bestGain = 0;
  for (const f of features) {
    const e = edges[f]!;
    const off = offset[f]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b + 1 < e.length; b++) {
      const s = (off + b) * 3;
      gl += hist[s]!;
      hl += hist[s + 1]!;
      cl += hist[s + 2]!;
      if (cl < minDataInLeaf || hl < minHessianInLeaf) continue;
      const cr = C - cl;
      const hr = H - hl;
      if (cr < minDataInLeaf) break;
      if (hr < minHessianInLeaf) continue;
      const gr = G - gl;
      const gain = (gl * gl) / (hl + lambdaL2) + (gr * gr) / (hr + lambdaL2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = {
          gain,
          feature: f,
          slot: off + b,
          threshold: e[b]!,
          leftG: gl,
          leftH: hl,
        };
      }
    }
  }
  return best;
}

/** Stable in-place partition of leaf rows; returns the first index of the right child. */
function partition(g: Grower, leaf: Leaf, split: Split): number {
  const { rows, scratch, featureCount: F } = g;
  const slots = g.binned.slots;
  let w = leaf.start;
  let k = 0;
  for (let i = leaf.start; i < leaf.end; i++) {
    const r = rows[i]!;
    if (slots[r * F + split.feature]! <= split.slot) rows[w++] = r;
    else scratch[k++] = r;
  }
  rows.set(scratch.subarray(0, k), w);
  return w;
}

/** Grows one tree on the current gradients and adds its output to `scores`; null if the root cannot split. */
function growTree(
  g: Grower,
  features: Int32Array,
  scores: Float64Array,
  learningRate = g.p.learningRate,
): GbdtTree | null {
  const { maxLeaves, minDataInLeaf, lambdaL2 } = g.p;
  const depthLimit = g.p.maxDepth > 0 ? g.p.maxDepth : Number.POSITIVE_INFINITY;
  const { rows, grad, hess, pool } = g;
  rows.set(g.active);
  let sumG = 0;
  let sumH = 0;
  for (const r of g.active) {
    sumG += grad[r]!;
    sumH += hess[r]!;
  }
  const tree: Required<GbdtTree> = {
    feature: [-1],
    threshold: [0],
    left: [-1],
    right: [-1],
    value: [0],
    cover: [0],
  };
  const root: Leaf = {
    node: 0,
    start: 0,
    end: rows.length,
    depth: 0,
    sumG,
    sumH,
    hist: null,
    split: null,
  };
  const canSplit = (leaf: Leaf) =>
    leaf.depth < depthLimit && leaf.end - leaf.start >= 2 * minDataInLeaf;
  if (canSplit(root)) {
    root.hist = pool.pop()!;
    buildHistogram(g, root.hist, root, features);
    root.split = findSplit(g, root, features);
  }
  if (root.split === null) {
    if (root.hist) pool.push(root.hist);
    return null;
  }
  const leaves: Leaf[] = [root];
  while (leaves.length < maxLeaves) {
    let at = -1;
    let bestGain = 0;
    leaves.forEach((leaf, i) => {
      if (leaf.split && leaf.split.gain > bestGain) {
        bestGain = leaf.split.gain;
        at = i;
      }
    });
    if (at < 0) break;
    const parent = leaves[at]!;
    const split = parent.split!;
    const mid = partition(g, parent, split);
    const l = tree.feature.length;
    // Two new leaves; their values are filled in once the tree is done.
    for (const column of [tree.feature, tree.left, tree.right]) column.push(-1, -1);
    for (const column of [tree.threshold, tree.value, tree.cover]) column.push(0, 0);
    tree.feature[parent.node] = split.feature;
    tree.threshold[parent.node] = split.threshold;
    tree.left[parent.node] = l;
    tree.right[parent.node] = l + 1;
    const depth = parent.depth + 1;
    const left: Leaf = {
      node: l,
      start: parent.start,
      end: mid,
      depth,
      sumG: split.leftG,
      sumH: split.leftH,
      hist: null,
      split: null,
    };
    const right: Leaf = {
      node: l + 1,
      start: mid,
      end: parent.end,
      depth,
      sumG: parent.sumG - split.leftG,
      sumH: parent.sumH - split.leftH,
      hist: null,
      split: null,
    };
    leaves[at] = left;
    leaves.push(right);
    const [small, large] = mid - parent.start <= parent.end - mid ? [left, right] : [right, left];
    const parentHist = parent.hist!;
    // Histograms are only worth building if another split can still happen below this one.
    if (leaves.length < maxLeaves && (canSplit(small) || canSplit(large))) {
      small.hist = pool.pop()!;
      buildHistogram(g, small.hist, small, features);
      if (canSplit(large)) {
        subtractHistogram(g, parentHist, small.hist, features);
        large.hist = parentHist;
      } else pool.push(parentHist);
      for (const child of [small, large]) {
        if (child.hist === null) continue;
        child.split = canSplit(child) ? findSplit(g, child, features) : null;
        if (child.split === null) {
          pool.push(child.hist);
          child.hist = null;
        }
      }
    } else pool.push(parentHist);
  }
  for (const leaf of leaves) {
    if (leaf.hist) pool.push(leaf.hist);
    const v = (learningRate * leaf.sumG) / (leaf.sumH + lambdaL2);
    tree.value[leaf.node] = v;
    tree.cover[leaf.node] = leaf.sumH;
    for (let k = leaf.start; k < leaf.end; k++) {
      const r = rows[k]!;
      scores[r] = scores[r]! + v;
    }
  }
  // Internal values are the cover-weighted mean of their children (children always follow
  // their parent, so a reverse sweep sees children first); contributions telescope over them.
  for (let i = tree.feature.length - 1; i >= 0; i--) {
    const l = tree.left[i]!;
    if (l < 0) continue;
    const r = tree.right[i]!;
    const cl = tree.cover[l]!;
    const cr = tree.cover[r]!;
    const vl = tree.value[l]!;
    const vr = tree.value[r]!;
    tree.cover[i] = cl + cr;
    tree.value[i] = cl + cr > 0 ? (vl * cl + vr * cr) / (cl + cr) : (vl + vr) / 2;
  }
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Training loop.

function meanRR(flat: Flat, scores: Float64Array): number {
  const groups = flat.groupStart.length - 1;
  if (groups === 0) return 0;
  let sum = 0;
  for (let gi = 0; gi < groups; gi++) {
    const a = flat.groupStart[gi]!;
    const b = flat.groupStart[gi + 1]!;
    sum += reciprocalRank(scores.subarray(a, b), flat.labels.subarray(a, b));
  }
  return sum / groups;
}

function meanNdcg(flat: Flat, scores: Float64Array): number {
  const groups = flat.groupStart.length - 1;
  if (groups === 0) return 0;
  let sum = 0;
  for (let gi = 0; gi < groups; gi++) {
    const a = flat.groupStart[gi]!;
    const b = flat.groupStart[gi + 1]!;
    sum += ndcg(scores.subarray(a, b), flat.labels.subarray(a, b));
  }
  return sum / groups;
}

function addTree(
  tree: GbdtTree,
  flat: Flat,
  featureCount: number,
  scores: Float64Array,
  factor = 1,
): void {
  const { feature, threshold, left, right, value } = tree;
  const x = flat.x;
  for (let r = 0; r < flat.rows; r++) {
    const base = r * featureCount;
    let i = 0;
    while (left[i]! >= 0) {
      i = x[base + feature[i]!]! > threshold[i]! ? right[i]! : left[i]!;
    }
    scores[r] = scores[r]! + factor * value[i]!;
  }
}

/** dart: which of `count` trees an iteration drops (none when it skips dropping). */
function pickDropped(random: () => number, count: number, p: Params): number[] {
  if (count === 0 || random() < p.skipDrop) return [];
  const picked: number[] = [];
  for (let t = 0; t < count; t++) if (random() < p.dropRate) picked.push(t);
  // Over the cap: keep a random maxDrop of them (partial Fisher-Yates).
  for (let i = 0; i < Math.min(p.maxDrop, picked.length); i++) {
    const j = i + Math.floor(random() * (picked.length - i));
    [picked[i], picked[j]] = [picked[j]!, picked[i]!];
  }
  return picked.slice(0, p.maxDrop);
}

function scaleTree(tree: GbdtTree, factor: number): void {
  for (let i = 0; i < tree.value.length; i++) tree.value[i] = tree.value[i]! * factor;
}

function copyTree(tree: GbdtTree): GbdtTree {
  return { ...tree, value: [...tree.value] };
}

/** Groups whose labels differ (the only ones with pairs), their rows, and fixed per-group data. */
function planTraining(tr: Flat) {
  const groups: number[] = [];
  let rows = 0;
  let maxGroup = 0;
  for (let gi = 0; gi + 1 < tr.groupStart.length; gi++) {
    const a = tr.groupStart[gi]!;
    const b = tr.groupStart[gi + 1]!;
    maxGroup = Math.max(maxGroup, b - a);
    if (tr.labels.subarray(a, b).some((l) => l !== tr.labels[a])) {
      groups.push(gi);
      rows += b - a;
    }
  }
  const active = new Int32Array(rows);
  const invIdcg = new Float64Array(groups.length);
  const byLabel = new Int32Array(tr.rows);
  const lowerStart = new Int32Array(tr.rows);
  let n = 0;
  groups.forEach((gi, k) => {
    const a = tr.groupStart[gi]!;
    const b = tr.groupStart[gi + 1]!;
    for (let r = a; r < b; r++) active[n++] = r;
    invIdcg[k] = inverseIdealDcg(tr.labels, a, b - a);
    planGroup(tr.labels, a, b - a, byLabel, lowerStart);
  });
  return { groups, active, invIdcg, byLabel, lowerStart, maxGroup };
}

/** k of the features, ascending so that equal gains still break ties by feature index. */
function sampleFeatures(random: () => number, featureCount: number, k: number): Int32Array {
  const pick = Int32Array.from({ length: featureCount }, (_, f) => f);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (featureCount - i));
    const t = pick[i]!;
    pick[i] = pick[j]!;
    pick[j] = t;
  }
  return pick.subarray(0, k).sort();
}

export function trainLambdaMART(
  train: RankingDataset,
  valid: RankingDataset | undefined,
  options: LambdaMartOptions = {},
  name = `lambdamart-${new Date().toISOString()}`,
): TrainResult {
  const started = performance.now();
  const p = resolveParams(options);
  const featureNames = [...train.featureNames];
  const F = featureNames.length;
  if (F === 0) throw new Error("trainLambdaMART: train.featureNames is empty");
  if (
    valid &&
    (valid.featureNames.length !== F || valid.featureNames.some((n, i) => n !== featureNames[i]))
  ) {
    throw new Error(
      "trainLambdaMART: valid.featureNames must equal train.featureNames (same names, same order)",
    );
  }
  if (valid && valid.groups.length === 0) throw new Error("trainLambdaMART: valid has no groups");
  const tr = flatten(train, "train", F);
  const va = valid ? flatten(valid, "valid", F) : undefined;

  // Groups whose labels are all equal have no pairs, hence zero gradient: they are left out of
  // tree building entirely rather than dilute minDataInLeaf.
  const plan = planTraining(tr);
  if (plan.groups.length === 0) {
    throw new Error(
      "trainLambdaMART: no training group has items with differing labels, so there is nothing to learn",
    );
  }
  const binned = binDataset(tr, F, p.maxBins);
  const grower: Grower = {
    p,
    featureCount: F,
    binned,
    grad: new Float64Array(tr.rows),
    hess: new Float64Array(tr.rows),
    active: plan.active,
    rows: new Int32Array(plan.active.length),
    scratch: new Int32Array(plan.active.length),
    pool: Array.from({ length: p.maxLeaves }, () => new Float64Array(binned.totalBins * 3)),
  };
  const work: LambdaWork = {
    labels: tr.labels,
    byLabel: plan.byLabel,
    lowerStart: plan.lowerStart,
    grad: grower.grad,
    hess: grower.hess,
    order: new Int32Array(plan.maxGroup),
    pos: new Int32Array(plan.maxGroup),
  };
  const trainScores = new Float64Array(tr.rows);
  const validScores = new Float64Array(va?.rows ?? 0);
  // Without early stopping every tree is kept (as in LightGBM), so there is no best to select.
  const selecting = va !== undefined && p.earlyStoppingRounds > 0;
  const bestValidScores = selecting ? new Float64Array(validScores.length) : validScores;
  const random = mulberry32(p.seed);
  const allFeatures = Int32Array.from({ length: F }, (_, f) => f);
  const sampled = Math.max(1, Math.round(F * p.featureFraction));

  const trees: GbdtTree[] = [];
  const dart = p.boosting === "dart";
  // dart rescales earlier trees as it goes, so the best ensemble is kept as a copy rather
  // than as a prefix of the final one.
  let bestTrees: GbdtTree[] = [];
  const dropRandom = mulberry32(p.seed ^ 0x5eed);
  const history: TrainResult["history"] = [];
  let bestIteration = 0;
  let bestValid = Number.NEGATIVE_INFINITY;
  let stopReason = "max trees";
  for (let it = 1; it <= p.trees; it++) {
    const dropped = dart ? pickDropped(dropRandom, trees.length, p) : [];
    for (const t of dropped) addTree(trees[t]!, tr, F, trainScores, -1);
    work.grad.fill(0);
    work.hess.fill(0);
    plan.groups.forEach((gi, k) => {
      const a = tr.groupStart[gi]!;
      accumulateGroup(
        work,
        trainScores,
        a,
        tr.groupStart[gi + 1]! - a,
        plan.invIdcg[k]!,
        p.objective,
      );
    });
    const features = sampled < F ? sampleFeatures(random, F, sampled) : allFeatures;
    const k = dropped.length;
    const tree = growTree(grower, features, trainScores, p.learningRate / (1 + k));
    if (tree === null) {
      for (const t of dropped) addTree(trees[t]!, tr, F, trainScores, 1);
      stopReason = "no split improves the objective";
      break;
    }
    // The dropped trees come back at k/(k+1) of their weight (train scores lost them
    // whole, valid scores still hold them whole).
    for (const t of dropped) {
      const dt = trees[t]!;
      addTree(dt, tr, F, trainScores, k / (k + 1));
      if (va) addTree(dt, va, F, validScores, -1 / (k + 1));
      scaleTree(dt, k / (k + 1));
    }
    trees.push(tree);
    const trainMrr = meanRR(tr, trainScores);
    let validMrr: number | undefined;
    if (va) {
      addTree(tree, va, F, validScores);
      validMrr = meanRR(va, validScores);
    }
    if (!selecting) bestIteration = it;
    else if (validMrr !== undefined && validMrr > bestValid) {
      bestValid = validMrr;
      bestIteration = it;
      bestValidScores.set(validScores);
      if (dart) bestTrees = trees.map(copyTree);
    }
    history.push(va ? { iteration: it, trainMrr, validMrr } : { iteration: it, trainMrr });
    options.onIteration?.({ iteration: it, trainMrr, validMrr });
    if (selecting && it - bestIteration >= p.earlyStoppingRounds) {
      stopReason = "early stopping";
      break;
    }
  }

  const metrics: Record<string, number> = {};
  const best = history[bestIteration - 1];
  if (best) {
    metrics.train_mrr = best.trainMrr;
    if (va && best.validMrr !== undefined) {
      metrics.valid_mrr = best.validMrr;
      metrics.valid_ndcg = meanNdcg(va, bestValidScores);
    }
  }
  const model: GbdtModel = {
    format: GBDT_FORMAT,
    formatVersion: 1,
    name,
    featureNames,
    baseScore: 0,
    trees: dart && selecting ? bestTrees : trees.slice(0, bestIteration),
    training: {
      algorithm: "lambdamart",
      objective: p.objective,
      params: { ...p },
      trainRows: tr.rows,
      trainGroups: tr.groupStart.length - 1,
      trainGroupsWithPairs: plan.groups.length,
      validRows: va?.rows ?? 0,
      validGroups: va ? va.groupStart.length - 1 : 0,
      iterations: history.length,
      bestIteration,
      stopReason,
      seconds: Math.round(performance.now() - started) / 1000,
    },
    metrics,
  };
  return { model, bestIteration, history };
}
