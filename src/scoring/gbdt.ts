/**
 * The gradient-boosted tree model artifact (written by the LambdaMART trainer, read by the
 * scorer) and the inference run on the live hot path. Predict and contributions allocate
 * nothing, so a request that scores a few hundred items stays off the garbage collector.
 */

export const GBDT_FORMAT = "sessionrank.gbdt";

export interface GbdtTree {
  // flat arrays, node 0 is the root. Internal node i: left[i] >= 0. Leaf: left[i] === -1.
  // go left when x[feature[i]] <= threshold[i] (NaN goes left).
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  // leaf: output (shrinkage already applied). internal: the hessian-weighted mean output of
  // the node's training rows, also shrunk — needed for contributions.
  value: number[];
  // optional: hessian sum of the node's training rows (the weights behind `value`)
  cover?: number[];
}

/** A tree as scored: ours send NaN left; an imported one may learn where it goes per node. */
export interface ScoredTree extends GbdtTree {
  // 1 where a missing value (NaN) goes right (XGBoost's default direction per split).
  missingRight?: number[];
}

export interface GbdtModel {
  format: typeof GBDT_FORMAT;
  formatVersion: 1;
  name: string;
  featureNames: string[];
  baseScore: number;
  trees: ScoredTree[];
  /**
   * "float32": baseScore and the leaves are summed in float32, rounded after each tree, as
   * XGBoost does (imported models only; ours sum in float64).
   */
  sum?: "float32";
  /** "logistic": the sum goes through XGBoost's float32 sigmoid (binary:logistic). */
  output?: "logistic";
  training?: Record<string, unknown>;
  metrics?: Record<string, number>;
}

/**
 * Whether a walk goes right at a node: `>` rather than `<=`, so NaN (and a missing feature,
 * read as undefined) compares false and goes left, unless the node sends missing values right.
 */
function goesRight(v: number, threshold: number, missingRight: number | undefined): boolean {
  return v > threshold || (Number.isNaN(v) && missingRight === 1);
}

/** The index of the leaf `x` reaches in `tree`. */
export function leafOf(tree: ScoredTree, x: ArrayLike<number>): number {
  const { feature, threshold, left, right, missingRight } = tree;
  let i = 0;
  let l = left[0]!;
  while (l >= 0) {
    i = goesRight(x[feature[i]!]!, threshold[i]!, missingRight?.[i]) ? right[i]! : l;
    l = left[i]!;
  }
  return i;
}

/**
 * XGBoost's `1.0f / (1.0f + expf(-x))`. Each float32 step done in float64 and rounded is
 * exact (a float64 holds the exact result of a float32 + or / before rounding), so only
 * expf can differ: V8's exp, rounded to float32, against the C library's expf.
 */
export function sigmoid32(x: number): number {
  const fr = Math.fround;
  return fr(1 / fr(1 + fr(Math.exp(-x))));
}

export function predict(model: GbdtModel, x: ArrayLike<number>): number {
  const f32 = model.sum === "float32";
  let s = f32 ? Math.fround(model.baseScore) : model.baseScore;
  const trees = model.trees;
  for (let t = 0; t < trees.length; t++) {
    const tree = trees[t]!;
    s = f32 ? Math.fround(s + tree.value[leafOf(tree, x)]!) : s + tree.value[leafOf(tree, x)]!;
  }
  return model.output === "logistic" ? sigmoid32(s) : s;
}

/** baseScore plus every root value: the prediction before any split is taken into account. */
export function expectedValue(model: GbdtModel): number {
  let s = model.baseScore;
  for (const tree of model.trees) s += tree.value[0]!;
  return s;
}

/**
 * Saabas path attribution: each step down a decision path credits the change in node value to
 * the feature that was split on, so expectedValue(model) + sum(out) === predict(model, x)
 * (before `output`'s transform, and up to rounding for float32 sums).
 * Pass `out` to stay allocation-free; it is zeroed first.
 */
export function contributions(
  model: GbdtModel,
  x: ArrayLike<number>,
  out?: Float64Array,
): Float64Array {
  const n = model.featureNames.length;
  if (out === undefined) out = new Float64Array(n);
  else if (out.length < n) {
    throw new RangeError(
      `contributions: out has length ${out.length}, the model has ${n} features`,
    );
  } else out.fill(0);
  for (const tree of model.trees) {
    const { feature, threshold, left, right, value, missingRight } = tree;
    let i = 0;
    let l = left[0]!;
    while (l >= 0) {
      const f = feature[i]!;
      const child = goesRight(x[f]!, threshold[i]!, missingRight?.[i]) ? right[i]! : l;
      out[f] = out[f]! + value[child]! - value[i]!;
      i = child;
      l = left[i]!;
    }
  }
  return out;
}

export interface CompiledGbdt {
  readonly featureCount: number;
  readonly treeCount: number;
  predict(x: ArrayLike<number>): number;
  /** `contributions` on the packed trees: the same numbers, bit for bit, without allocating. */
  contributions(x: ArrayLike<number>, out: Float64Array): void;
  /**
   * Scores `n` rows of a row-major matrix (`stride` columns; the model's feature k is column
   * `columns[k]`, fixed at compile time) into `out`, tree by tree so that a tree's nodes stay
   * in cache across the rows. With `leaves` (length n * treeCount), records each row's leaf
   * in each tree, from which `leafContributions` explains a row without walking a tree again.
   * Same sums as `predict`, bit for bit (same order).
   */
  scoreRows(matrix: Float64Array, n: number, out: Float64Array, leaves?: Int32Array): void;
  /** `contributions` of row `i` from the leaves `scoreRows` recorded: the same numbers. */
  leafContributions(leaves: Int32Array, i: number, out: Float64Array): void;
  /**
   * Whether `scoreRows` runs code generated for these trees (false: it walks the packed
   * arrays, when code cannot be generated: see `generateScoreRows`).
   */
  readonly generated: boolean;
}

type ScoreRowsFn = (matrix: Float64Array, n: number, out: Float64Array, leaves: Int32Array) => void;

/**
 * Consecutive trees share a generated function up to this many nodes. V8 does not optimise a
 * function past 60 KB of bytecode (16 to 18 bytes a node here, so about 3,500 nodes): the
 * default model's 150 trees (4,350 nodes) in one function ran 17x slower than in chunks,
 * and chunks of 256 to 1,024 nodes all measured alike. Smaller chunks also recompile less
 * code after a deoptimisation (a node first reached after the function was optimised).
 */
const CHUNK_NODES = 512;
/**
 * A bigger tree gets a function of its own, up to this size (about 36 KB of bytecode, and
 * at most 1,023 levels of nesting, which V8's parser still takes); beyond it, no generated
 * code.
 */
const MAX_TREE_NODES = 2048;

/**
 * A number as JavaScript source that evaluates to exactly that double: `String` gives the
 * shortest form that round-trips a finite double; non-finite values are spelled as
 * arithmetic so as not to depend on a global name. (-0 needs no care in a `>` comparison,
 * but is kept anyway.)
 */
function literal(v: number): string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? "-0" : String(v);
  return v > 0 ? "(1/0)" : v < 0 ? "(-1/0)" : "(0/0)";
}

/**
 * Compiles the packed trees into nested if/else with the columns, thresholds and leaf
 * indices as literals, one function per chunk of consecutive trees, walking row by row.
 * About 3x faster than walking the arrays (no loads of node data; each comparison is a
 * branch of its own for the predictor). A row's sum starts from `out[r]` and adds the
 * trees' leaf values in order, so the float64 sums are the interpreter's, bit for bit. The
 * values are read from `value` rather than embedded: a leaf that is only `l = index` has no
 * type feedback to lack, so reaching it for the first time after V8 has optimised the
 * function does not deoptimise it (a `+=` there did, about 3x as often). Everything embedded
 * comes from typed arrays or is counted here, so the source holds only numbers, whatever the
 * artifact contained. Undefined when a tree is too big, or the runtime refuses to generate
 * code (a CSP, --disallow-code-generation-from-strings) or to parse it (nesting too deep).
 * A node that sends missing values right tests `!(x <= t)` (true for NaN), and float32 sums
 * round after each tree (`fr`): a model without either generates the same code as before.
 */
function generateScoreRows(
  roots: Int32Array,
  column: Int32Array,
  threshold: Float64Array,
  left: Int32Array,
  right: Int32Array,
  value: Float64Array,
  missRight: Uint8Array,
  f32: boolean,
  stride: number,
): ScoreRowsFn | undefined {
  const treeCount = roots.length;
  const size = (t: number): number =>
    (t + 1 < treeCount ? roots[t + 1]! : value.length) - roots[t]!;
  const test = (i: number): string =>
    missRight[i] === 1
      ? `!(m[o+${column[i]!}]<=${literal(threshold[i]!)})`
      : `m[o+${column[i]!}]>${literal(threshold[i]!)}`;
  const node = (i: number): string =>
    left[i]! < 0 ? `l=${i};` : `if(${test(i)}){${node(right[i]!)}}else{${node(left[i]!)}}`;
  const add = f32 ? "s=fr(s+val[l]);" : "s+=val[l];";
  const chunks: ScoreRowsFn[] = [];
  try {
    for (let t0 = 0; t0 < treeCount; ) {
      let t1 = t0;
      let nodes = 0;
      let body = "";
      while (t1 < treeCount && (t1 === t0 || nodes + size(t1) <= CHUNK_NODES)) {
        if (size(t1) > MAX_TREE_NODES) return undefined;
        body += `${node(roots[t1]!)}${add}lv[b+${t1}]=l;\n`;
        nodes += size(t1);
        t1++;
      }
      // Named for profiles. m: matrix, o: the row's offset in it, b: its first slot in lv.
      const source = `return function trees_${t0}_${t1 - 1}(m,n,out,lv){
for(let r=0,o=0,b=0;r<n;r++,o+=${stride},b+=${treeCount}){
let s=out[r],l=0;
${body}out[r]=s;
}
}`;
      chunks.push(new Function("val", "fr", source)(value, Math.fround) as ScoreRowsFn);
      t0 = t1;
    }
  } catch {
    return undefined;
  }
  return (matrix, n, out, leaves) => {
    for (const chunk of chunks) chunk(matrix, n, out, leaves);
  };
}

/**
 * Packs every tree into shared typed arrays. Same results as `predict` bit for bit (same
 * summation order), but monomorphic typed-array loads make it ~1.3x faster: 6.6 vs 8.8 µs per
 * row for 300 trees of 31 leaves. `scoreRows` runs code generated from them, ~3.5x faster
 * again: 50 vs 180 µs for the ~24 rows of a rescore with the default model's 150 trees of 15
 * leaves. `columns` and `stride` say where the model's features sit in the matrices
 * `scoreRows` reads (default: feature k is column k of k-wide rows).
 */
export function compileModel(
  model: GbdtModel,
  columns?: ArrayLike<number>,
  stride = model.featureNames.length,
): CompiledGbdt {
  if (!Number.isSafeInteger(stride) || stride < 0) {
    throw new RangeError(`compileModel: stride must be a non-negative integer, got ${stride}`);
  }
  let total = 0;
  for (const tree of model.trees) total += tree.feature.length;
  const feature = new Int32Array(total);
  const column = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const value = new Float64Array(total);
  const missRight = new Uint8Array(total);
  const roots = new Int32Array(model.trees.length);
  let at = 0;
  model.trees.forEach((tree, t) => {
    roots[t] = at;
    for (let i = 0; i < tree.feature.length; i++) {
      const l = tree.left[i]!;
      feature[at + i] = l >= 0 ? tree.feature[i]! : 0;
      column[at + i] = columns ? columns[feature[at + i]!]! : feature[at + i]!;
      threshold[at + i] = tree.threshold[i]!;
      left[at + i] = l >= 0 ? at + l : -1;
      right[at + i] = l >= 0 ? at + tree.right[i]! : -1;
      value[at + i] = tree.value[i]!;
      if (l >= 0 && tree.missingRight?.[i] === 1) missRight[at + i] = 1;
    }
    at += tree.feature.length;
  });
  // Every leaf's path from the root as steps (feature split on, value of the child taken,
  // value of the node), root first: what a walk down to that leaf credits, precomputed once.
  const pathStart = new Int32Array(total);
  const pathEnd = new Int32Array(total);
  const stepFeature: number[] = [];
  const stepChild: number[] = [];
  const stepNode: number[] = [];
  const path: number[] = [];
  const walk = (i: number): void => {
    if (left[i]! < 0) {
      pathStart[i] = stepFeature.length;
      for (let k = 1; k < path.length; k++) {
        const node = path[k - 1]!;
        stepFeature.push(feature[node]!);
        stepChild.push(value[path[k]!]!);
        stepNode.push(value[node]!);
      }
      pathEnd[i] = stepFeature.length;
      return;
    }
    for (const child of [left[i]!, right[i]!]) {
      path.push(child);
      walk(child);
      path.pop();
    }
  };
  for (let t = 0; t < roots.length; t++) {
    path.push(roots[t]!);
    walk(roots[t]!);
    path.pop();
  }
  const pFeature = Int32Array.from(stepFeature);
  const pChild = Float64Array.from(stepChild);
  const pNode = Float64Array.from(stepNode);
  const f32 = model.sum === "float32";
  const logistic = model.output === "logistic";
  const fr = Math.fround;
  const base = f32 ? fr(model.baseScore) : model.baseScore;
  const treeCount = roots.length;
  const generatedRows = generateScoreRows(
    roots,
    column,
    threshold,
    left,
    right,
    value,
    missRight,
    f32,
    stride,
  );
  // `goesRight` on the packed arrays: the NaN test runs only when `>` already said no.
  const goRight = (v: number, i: number): boolean =>
    v > threshold[i]! || (Number.isNaN(v) && missRight[i] === 1);
  // Where leaves go when the caller does not want them: the generated code always records.
  let scratch = new Int32Array(0);
  return {
    featureCount: model.featureNames.length,
    treeCount,
    generated: generatedRows !== undefined,
    predict(x: ArrayLike<number>): number {
      let s = base;
      for (let t = 0; t < treeCount; t++) {
        let i = roots[t]!;
        let l = left[i]!;
        while (l >= 0) {
          i = goRight(x[feature[i]!]!, i) ? right[i]! : l;
          l = left[i]!;
        }
        s = f32 ? fr(s + value[i]!) : s + value[i]!;
      }
      return logistic ? sigmoid32(s) : s;
    },
    contributions(x: ArrayLike<number>, out: Float64Array): void {
      out.fill(0);
      for (let t = 0; t < treeCount; t++) {
        let i = roots[t]!;
        let l = left[i]!;
        while (l >= 0) {
          const f = feature[i]!;
          const child = goRight(x[f]!, i) ? right[i]! : l;
          out[f] = out[f]! + value[child]! - value[i]!;
          i = child;
          l = left[i]!;
        }
      }
    },
    scoreRows(matrix: Float64Array, n: number, out: Float64Array, leaves?: Int32Array): void {
      for (let r = 0; r < n; r++) out[r] = base;
      if (generatedRows) {
        if (leaves === undefined && scratch.length < n * treeCount)
          scratch = new Int32Array(n * treeCount);
        generatedRows(matrix, n, out, leaves ?? scratch);
      } else {
        for (let t = 0; t < treeCount; t++) {
          const root = roots[t]!;
          for (let r = 0, row = 0; r < n; r++, row += stride) {
            let i = root;
            let l = left[i]!;
            while (l >= 0) {
              i = goRight(matrix[row + column[i]!]!, i) ? right[i]! : l;
              l = left[i]!;
            }
            out[r] = f32 ? fr(out[r]! + value[i]!) : out[r]! + value[i]!;
            if (leaves) leaves[r * treeCount + t] = i;
          }
        }
      }
      if (logistic) for (let r = 0; r < n; r++) out[r] = sigmoid32(out[r]!);
    },
    leafContributions(leaves: Int32Array, r: number, out: Float64Array): void {
      out.fill(0);
      const from = r * treeCount;
      for (let t = 0; t < treeCount; t++) {
        const leaf = leaves[from + t]!;
        const end = pathEnd[leaf]!;
        for (let k = pathStart[leaf]!; k < end; k++) {
          const f = pFeature[k]!;
          out[f] = out[f]! + pChild[k]! - pNode[k]!;
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Validation. An artifact comes from disk or the network; a bad one must fail loudly at load
// time with the offending path, never as a wrong score or an endless loop at request time.

function fail(path: string, problem: string): never {
  throw new Error(`invalid GBDT model: ${path} ${problem}`);
}

function show(v: unknown): string {
  if (v === undefined) return "undefined";
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numbers(v: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(v)) fail(path, `must be an array of numbers, got ${show(v)}`);
  if (length !== undefined && v.length !== length) {
    fail(path, `has length ${v.length}, expected ${length} (one entry per node)`);
  }
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== "number" || Number.isNaN(x))
      fail(`${path}[${i}]`, `must be a number, got ${show(x)}`);
  }
  return v as number[];
}

function parseTree(v: unknown, path: string, featureCount: number): GbdtTree {
  if (!isRecord(v)) fail(path, `must be an object, got ${show(v)}`);
  const feature = numbers(v.feature, `${path}.feature`);
  const n = feature.length;
  if (n === 0) fail(`${path}.feature`, "is empty; a tree needs at least a root node");
  const threshold = numbers(v.threshold, `${path}.threshold`, n);
  const left = numbers(v.left, `${path}.left`, n);
  const right = numbers(v.right, `${path}.right`, n);
  const value = numbers(v.value, `${path}.value`, n);
  const cover = v.cover === undefined ? undefined : numbers(v.cover, `${path}.cover`, n);
  for (let i = 0; i < n; i++) {
    const l = left[i]!;
    const r = right[i]!;
    if (!Number.isFinite(value[i])) fail(`${path}.value[${i}]`, `must be finite, got ${value[i]}`);
    if (l === -1) {
      if (r !== -1)
        fail(`${path}.right[${i}]`, `= ${r} but node ${i} is a leaf (left = -1); expected -1`);
      continue;
    }
    // Children must come after their parent: that alone rules out cycles, so a walk always ends.
    for (const [side, c] of [
      ["left", l],
      ["right", r],
    ] as const) {
      if (!Number.isInteger(c) || c <= i || c >= n) {
        fail(
          `${path}.${side}[${i}]`,
          `= ${c} must be -1 (leaf) or a later node index (${i} < index < ${n})`,
        );
      }
    }
    if (l === r) fail(`${path}.right[${i}]`, `= ${r} is the same node as left[${i}]`);
    const f = feature[i]!;
    if (!Number.isInteger(f) || f < 0 || f >= featureCount) {
      fail(
        `${path}.feature[${i}]`,
        `= ${f} is out of range: the model has ${featureCount} features`,
      );
    }
  }
  const tree: GbdtTree = { feature, threshold, left, right, value };
  if (cover !== undefined) tree.cover = cover;
  return tree;
}

/** Validates an artifact (typically `JSON.parse` output) and returns it typed. Throws on any defect. */
export function parseGbdtModel(json: unknown): GbdtModel {
  if (!isRecord(json)) fail("root", `must be an object, got ${show(json)}`);
  if (json.format !== GBDT_FORMAT)
    fail("format", `must be "${GBDT_FORMAT}", got ${show(json.format)}`);
  if (json.formatVersion !== 1) fail("formatVersion", `must be 1, got ${show(json.formatVersion)}`);
  if (typeof json.name !== "string") fail("name", `must be a string, got ${show(json.name)}`);
  const names = json.featureNames;
  if (!Array.isArray(names))
    fail("featureNames", `must be an array of strings, got ${show(names)}`);
  const seen = new Set<string>();
  names.forEach((name: unknown, i) => {
    if (typeof name !== "string") fail(`featureNames[${i}]`, `must be a string, got ${show(name)}`);
    if (seen.has(name)) fail(`featureNames[${i}]`, `duplicates feature name ${show(name)}`);
    seen.add(name);
  });
  const baseScore = json.baseScore;
  if (typeof baseScore !== "number" || !Number.isFinite(baseScore)) {
    fail("baseScore", `must be a finite number, got ${show(baseScore)}`);
  }
  if (!Array.isArray(json.trees)) fail("trees", `must be an array, got ${show(json.trees)}`);
  const trees = json.trees.map((t: unknown, i) => parseTree(t, `trees[${i}]`, names.length));
  const model: GbdtModel = {
    format: GBDT_FORMAT,
    formatVersion: 1,
    name: json.name,
    featureNames: names as string[],
    baseScore,
    trees,
  };
  if (json.training !== undefined) {
    if (!isRecord(json.training)) fail("training", `must be an object, got ${show(json.training)}`);
    model.training = json.training;
  }
  if (json.metrics !== undefined) {
    const metrics = json.metrics;
    if (!isRecord(metrics)) fail("metrics", `must be an object, got ${show(metrics)}`);
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== "number") fail(`metrics.${k}`, `must be a number, got ${show(v)}`);
    }
    model.metrics = metrics as Record<string, number>;
  }
  return model;
}
