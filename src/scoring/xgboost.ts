/**
 * XGBoost's JSON model (`Booster.save_model("m.json")`) turned into the project's tree model,
 * so that it is scored by the same compiled trees as ours and gives what XGBoost's own
 * predict gives, bit for bit. What XGBoost does differently, and how it is mirrored:
 * - it reads features as float32 and goes left when `value < split_condition` (float32):
 *   each condition becomes the float64 threshold `t` with `x > t` exactly when
 *   `fround(x) >= condition` (`float32Threshold`), so the hot path stays `x > t`;
 * - a missing value (NaN) takes the node's learned default direction (`missingRight`);
 * - base_score and the leaves are summed in float32, tree by tree (`sum: "float32"`);
 * - base_score is a probability for logistic objectives (its logit is the margin's start),
 *   and binary:logistic's predictions go through its float32 sigmoid (`output`).
 * Anything else (DART weights, categorical splits, several outputs) is refused by name
 * rather than scored approximately.
 */
import { GBDT_FORMAT, type GbdtModel, type ScoredTree } from "./gbdt.ts";

/** Objectives whose predictions are the margin itself. */
const MARGIN_OBJECTIVES = new Set([
  "rank:pairwise",
  "rank:ndcg",
  "rank:map",
  "reg:squarederror",
  "reg:linear",
]);
/** Objectives whose base_score is a probability (the margin starts from its logit). */
const LOGISTIC_OBJECTIVES: Record<string, "logistic" | undefined> = {
  "binary:logistic": "logistic",
  "reg:logistic": "logistic",
  "binary:logitraw": undefined,
};

/** Whether parsed JSON looks like an XGBoost model (rather than a sessionrank.gbdt one). */
export function isXgboostModel(json: unknown): boolean {
  return isRecord(json) && isRecord(json.learner) && Array.isArray(json.version);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The largest float32 below the float32 `c` (-Infinity below the lowest). */
function float32Below(c: number): number {
  if (c === 0) return -(2 ** -149);
  f32[0] = c;
  u32[0] = c > 0 ? u32[0]! - 1 : u32[0]! + 1;
  return f32[0]!;
}

/** The largest float64 below the finite non-zero float64 `m`. */
function float64Below(m: number): number {
  f64[0] = m;
  u64[0] = m > 0 ? u64[0]! - 1n : u64[0]! + 1n;
  return f64[0]!;
}

/** Where float32 rounding overflows: values at or beyond this magnitude round to infinity. */
const FLOAT32_OVERFLOW = 2 ** 128 - 2 ** 103;

/**
 * The float64 `t` such that `x > t` exactly when `Math.fround(x) >= c`, for every float64 `x`
 * (NaN aside): the largest float64 that rounds to a float32 below `c`. That is the midpoint
 * between `c` and the float32 below it, or the float64 just below the midpoint when the
 * midpoint itself rounds (to even) up to `c`.
 */
export function float32Threshold(condition: number): number {
  const c = Math.fround(condition);
  if (!Number.isFinite(c)) throw new RangeError(`split condition ${condition} is not finite`);
  const below = float32Below(c);
  const mid = below === Number.NEGATIVE_INFINITY ? -FLOAT32_OVERFLOW : (below + c) / 2;
  return Math.fround(mid) < c ? mid : float64Below(mid);
}

function fail(path: string, problem: string): never {
  throw new Error(`invalid XGBoost model: ${path} ${problem}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (!isRecord(v)) fail(path, "must be an object");
  return v;
}

function numbers(v: unknown, path: string, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length)
    fail(path, `must be an array of ${length} numbers (one per node)`);
  v.forEach((x: unknown, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) fail(`${path}[${i}]`, "must be a number");
  });
  return v as number[];
}

/** A number XGBoost writes as a string ("5E-1"; "[5E-1]" in 2.x for one target). */
function numberParam(v: unknown, path: string): number {
  const s = typeof v === "string" ? v.replace(/^\[(.*)\]$/, "$1") : v;
  const x = typeof s === "string" && s.trim() !== "" ? Number(s) : Number.NaN;
  if (!Number.isFinite(x)) fail(path, `must be a number, got ${JSON.stringify(v)}`);
  return x;
}

/** XGBoost's logistic ProbToMargin, in float32: `-logf(1.0f / p - 1.0f)`. */
function logit32(p: number, path: string): number {
  if (!(p > 0 && p < 1)) fail(path, `must be in (0, 1) for a logistic objective, got ${p}`);
  const fr = Math.fround;
  return fr(-Math.log(fr(fr(1 / fr(p)) - 1)));
}

/**
 * One tree, renumbered depth-first from the root so that children follow their parent (as
 * the project's trees require); nodes XGBoost pruned but kept in its arrays are dropped.
 * Internal nodes get the cover-weighted mean of their leaves, as XGBoost's approximate
 * contributions use, so `reasons` explain an imported model like ours.
 */
function convertTree(v: unknown, path: string, featureCount: number): ScoredTree {
  const t = record(v, path);
  const param = record(t.tree_param, `${path}.tree_param`);
  const n = numberParam(param.num_nodes, `${path}.tree_param.num_nodes`);
  const left = numbers(t.left_children, `${path}.left_children`, n);
  const right = numbers(t.right_children, `${path}.right_children`, n);
  const index = numbers(t.split_indices, `${path}.split_indices`, n);
  const cond = numbers(t.split_conditions, `${path}.split_conditions`, n);
  const defaultLeft = numbers(t.default_left, `${path}.default_left`, n);
  const hess = numbers(t.sum_hessian, `${path}.sum_hessian`, n);
  if (Array.isArray(t.split_type) && t.split_type.some((s) => s !== 0))
    fail(`${path}.split_type`, "has categorical splits, which are not supported");
  const out: Required<ScoredTree> = {
    feature: [],
    threshold: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    missingRight: [],
  };
  const seen = new Set<number>();
  const visit = (id: number, at: string): number => {
    if (!Number.isInteger(id) || id < 0 || id >= n || seen.has(id))
      fail(at, `= ${id} is not a node index reached once from the root`);
    seen.add(id);
    const k = out.feature.length;
    const leaf = left[id] === -1;
    out.feature.push(leaf ? -1 : index[id]!);
    out.threshold.push(leaf ? 0 : float32Threshold(cond[id]!));
    out.missingRight.push(leaf || defaultLeft[id] === 1 ? 0 : 1);
    out.left.push(-1);
    out.right.push(-1);
    out.value.push(leaf ? Math.fround(cond[id]!) : 0);
    out.cover.push(hess[id]!);
    if (leaf) return k;
    if (!Number.isInteger(index[id]) || index[id]! < 0 || index[id]! >= featureCount)
      fail(`${path}.split_indices[${id}]`, `= ${index[id]} is not one of ${featureCount} features`);
    const l = visit(left[id]!, `${path}.left_children[${id}]`);
    const r = visit(right[id]!, `${path}.right_children[${id}]`);
    out.left[k] = l;
    out.right[k] = r;
    const cl = out.cover[l]!;
    const cr = out.cover[r]!;
    out.value[k] =
      cl + cr > 0
        ? (cl * out.value[l]! + cr * out.value[r]!) / (cl + cr)
        : (out.value[l]! + out.value[r]!) / 2;
    return k;
  };
  visit(0, `${path} root`);
  return out;
}

/**
 * Converts a parsed XGBoost JSON model. Its features must be named (train on a DMatrix
 * with the exported `.features.json` as feature_names): the scorer maps them by name.
 * `name` is used when the model has no "name" attribute (`Booster.set_attr(name=...)`).
 */
export function parseXgboostModel(json: unknown, name: string): GbdtModel {
  const root = record(json, "root");
  const learner = record(root.learner, "learner");
  const names = learner.feature_names;
  if (!Array.isArray(names) || names.length === 0 || names.some((f) => typeof f !== "string"))
    fail(
      "learner.feature_names",
      "must name every feature: train on a DMatrix with feature_names (the export's .features.json)",
    );
  if (new Set(names).size !== names.length) fail("learner.feature_names", "has a duplicate name");
  const types = learner.feature_types;
  if (Array.isArray(types) && types.some((t) => t === "c"))
    fail("learner.feature_types", "has categorical features, which are not supported");
  const booster = record(learner.gradient_booster, "learner.gradient_booster");
  if (booster.name !== "gbtree")
    fail(
      "learner.gradient_booster.name",
      `is ${JSON.stringify(booster.name)}; only "gbtree" is supported (DART scales trees by weights this scorer does not apply)`,
    );
  const param = record(learner.learner_model_param, "learner.learner_model_param");
  const classes = param.num_class === undefined ? 0 : numberParam(param.num_class, "num_class");
  const targets = param.num_target === undefined ? 1 : numberParam(param.num_target, "num_target");
  if (classes > 1 || targets > 1)
    fail("learner.learner_model_param", "has several outputs; only one score per row is supported");
  const objective = record(learner.objective, "learner.objective").name;
  if (
    typeof objective !== "string" ||
    !(MARGIN_OBJECTIVES.has(objective) || objective in LOGISTIC_OBJECTIVES)
  )
    fail(
      "learner.objective.name",
      `is ${JSON.stringify(objective)}; supported: ${[...MARGIN_OBJECTIVES, ...Object.keys(LOGISTIC_OBJECTIVES)].join(", ")}`,
    );
  const baseScore = Math.fround(
    numberParam(param.base_score, "learner.learner_model_param.base_score"),
  );
  const model = record(booster.model, "learner.gradient_booster.model");
  const info = model.tree_info;
  if (!Array.isArray(model.trees)) fail("learner.gradient_booster.model.trees", "must be an array");
  if (Array.isArray(info) && info.some((g) => g !== 0))
    fail("learner.gradient_booster.model.tree_info", "has trees for several outputs");
  const trees = model.trees.map((t: unknown, i) =>
    convertTree(t, `learner.gradient_booster.model.trees[${i}]`, names.length),
  );
  const logistic = objective in LOGISTIC_OBJECTIVES;
  const attributes = isRecord(learner.attributes) ? learner.attributes : {};
  const gbdt: GbdtModel = {
    format: GBDT_FORMAT,
    formatVersion: 1,
    name: typeof attributes.name === "string" && attributes.name !== "" ? attributes.name : name,
    featureNames: names as string[],
    baseScore: logistic ? logit32(baseScore, "learner_model_param.base_score") : baseScore,
    trees,
    sum: "float32",
    training: {
      source: "xgboost",
      version: root.version,
      objective,
      baseScore,
      trees: trees.length,
    },
  };
  if (LOGISTIC_OBJECTIVES[objective] === "logistic") gbdt.output = "logistic";
  return gbdt;
}
