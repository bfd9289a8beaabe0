import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURE_COUNT, FEATURE_NAMES } from "../../src/features/vector/names.ts";
import { reciprocalRank } from "../../src/learn/metrics.ts";
import { compileModel } from "../../src/scoring/gbdt.ts";
import { loadModelFile, loadScorer } from "../../src/scoring/load-scorer.ts";
import { parseXgboostModel } from "../../src/scoring/xgboost.ts";
import { mulberry32 } from "../../src/util/prng.ts";

/**
 * Against XGBoost itself (Debian's python3-xgboost 1.7, installed by .ci/run): the real
 * trivago rows of the fixture are exported with `export-features`, XGBoost trains on them
 * through scripts/xgboost-rank.py, and the saved m.json, loaded by the service's one
 * model loader, must give XGBoost's own predictions bit for bit (margins; the sigmoid of
 * binary:logistic to within one float32 step, the C library's expf against V8's exp), and
 * `evaluate --frozen --model m.json` the MRR of XGBoost's predictions.
 */

const execFileP = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURE = join(ROOT, "test/fixtures/trivago-part-a-head.csv");
const SCRIPT = join(ROOT, "scripts/xgboost-rank.py");
const CLI = join(ROOT, "src/cli/main.ts");

/** A python that imports xgboost: $PYTHON, else python3 on PATH, else Debian's. */
function findPython(): string {
  const candidates = [process.env.PYTHON, "python3", "/usr/bin/python3"].filter(
    (p): p is string => typeof p === "string" && p !== "",
  );
  for (const p of candidates)
    if (spawnSync(p, ["-c", "import xgboost, numpy"]).status === 0) return p;
  throw new Error(
    `no python with xgboost among ${candidates.join(", ")}: apt-get install -y python3-xgboost (or set PYTHON)`,
  );
}

async function run(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, { cwd: ROOT, maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

const cli = (args: string[]) => run(process.execPath, ["--import", "tsx", CLI, ...args]);

interface Rows {
  labels: number[];
  /** FEATURE_COUNT columns; NaN where the row has no entry (XGBoost's missing). */
  matrix: Float64Array;
  lines: string[];
}

/** Parses libsvm rows independently of the exporter: absent indices become NaN. */
function parseLibsvm(path: string): Rows {
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  const matrix = new Float64Array(lines.length * FEATURE_COUNT).fill(Number.NaN);
  const labels = lines.map((line, r) => {
    const [label, ...tokens] = line.split(" ");
    for (const t of tokens) {
      const [k, v] = t.split(":");
      matrix[r * FEATURE_COUNT + Number(k)] = Number(v);
    }
    return Number(label);
  });
  return { labels, matrix, lines };
}

function readNumbers(path: string): number[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map(Number);
}

function writeRows(base: string, lines: string[], groups: number[]): void {
  writeFileSync(base, `${lines.join("\n")}\n`);
  writeFileSync(`${base}.group`, `${groups.join("\n")}\n`);
  writeFileSync(`${base}.features.json`, JSON.stringify(FEATURE_NAMES));
}

/** float32 steps between two float32 values of the same sign (both finite). */
function float32Steps(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const u = new Int32Array(f.buffer);
  return Math.abs(u[0]! - u[1]!);
}

const dir = mkdtempSync(join(tmpdir(), "sessionrank-xgb-"));
const exported = join(dir, "fixture.libsvm");
let python = "";
let dense: Rows;
let groups: number[];
let lastFlags: boolean[];
let exportSummary: { clickouts: number; rows: number; lastClickouts: number };

/**
 * The models trained: every objective on the exported rows with a third of the entries
 * dropped (so XGBoost learns default directions for missing values), and rank:ndcg also on
 * the export as written (the real pipeline).
 */
const MODELS = [
  { name: "ndcg-dense", objective: "rank:ndcg", data: () => exported },
  { name: "ndcg", objective: "rank:ndcg", data: () => join(dir, "sparse.libsvm") },
  { name: "pairwise", objective: "rank:pairwise", data: () => join(dir, "sparse.libsvm") },
  { name: "map", objective: "rank:map", data: () => join(dir, "sparse.libsvm") },
  { name: "logistic", objective: "binary:logistic", data: () => join(dir, "sparse.libsvm") },
] as const;

interface Mrr {
  mrr_last: number;
  mrr_all: number;
  n_last: number;
  n_all: number;
}

interface Trained {
  path: string;
  /** XGBoost's predictions on the check rows: the exported rows, the sparse rows, probes. */
  predictions: number[];
  /** The same rows' margins (before binary:logistic's sigmoid). */
  margins: number[];
  /** `evaluate --frozen --model <m.json> --test <fixture> --format json`. */
  evaluate: { frozen: boolean; model: Mrr };
}
const trained = new Map<string, Trained>();
/** The script's own MRR of XGBoost's predictions on the exported rows (ndcg-dense). */
let scriptMrr: Mrr;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The float32 `s` steps away from float32 `c` (up for s > 0). */
function step32(c: number, s: number): number {
  if (c === 0) return s > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = c;
  u32[0] = u32[0]! + (c > 0 === s > 0 ? Math.abs(s) : -Math.abs(s));
  return f32[0]!;
}

/** The float64 one step away from non-zero `x` (up for s > 0). */
function step64(x: number, s: 1 | -1): number {
  f64[0] = x;
  u64[0] = u64[0]! + (x > 0 === s > 0 ? 1n : -1n);
  return f64[0]!;
}

/**
 * Rows on the edges of the float32 comparisons: for each split of the model, an exported
 * row with the split's feature set to the condition, the float32 values on either side,
 * the midpoints between them and the float64 values next to those midpoints, or left out.
 */
function probeRows(modelPath: string, base: Rows): string[] {
  const json = JSON.parse(readFileSync(modelPath, "utf8"));
  const names: string[] = json.learner.feature_names;
  const out: string[] = [];
  let r = 0;
  for (const tree of json.learner.gradient_booster.model.trees) {
    tree.left_children.forEach((l: number, i: number) => {
      if (l === -1) return;
      const f = (FEATURE_NAMES as readonly string[]).indexOf(names[tree.split_indices[i]]!);
      const c = Math.fround(tree.split_conditions[i]);
      const values = [c, step32(c, 1), step32(c, -1), Number.NaN];
      for (const mid of [(c + step32(c, 1)) / 2, (c + step32(c, -1)) / 2])
        values.push(mid, step64(mid, 1), step64(mid, -1));
      for (const v of values) {
        const tokens = base.lines[r++ % base.lines.length]!.split(" ").slice(1);
        const kept = tokens.filter((t) => !t.startsWith(`${f}:`));
        if (!Number.isNaN(v)) kept.push(`${f}:${v}`);
        out.push(["0", ...kept].join(" "));
      }
    });
  }
  return out;
}

beforeAll(async () => {
  python = findPython();
  exportSummary = JSON.parse(
    await cli(["export-features", "--data", FIXTURE, "--out", exported, "--format", "json"]),
  );
  dense = parseLibsvm(exported);
  groups = readNumbers(`${exported}.group`);
  lastFlags = readFileSync(`${exported}.clickouts.tsv`, "utf8")
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((l) => l.endsWith("\t1"));
  // A sparse copy: a third of the entries dropped, which XGBoost reads as missing.
  const random = mulberry32(17);
  const sparse = dense.lines.map((line) => {
    const [label, ...tokens] = line.split(" ");
    return [label, ...tokens.filter(() => random() >= 1 / 3)].join(" ");
  });
  const sparsePath = join(dir, "sparse.libsvm");
  writeRows(sparsePath, sparse, groups);
  copyFileSync(`${exported}.clickouts.tsv`, `${sparsePath}.clickouts.tsv`);

  const script = (args: string[]) => run(python, [SCRIPT, ...args]);
  const queue = [...MODELS];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      const path = join(dir, `${m.name}.json`);
      // Small, fixed settings: 1,281 rows, and the same trees every run.
      await script([
        ...[
          "train",
          m.data(),
          "--objective",
          m.objective,
          "--out",
          path,
          "--name",
          `xgb-${m.name}`,
        ],
        ...["--rounds", "40", "--early-stopping", "0"],
        ...["--param", "min_child_weight=0.01", "--param", "nthread=1"],
      ]);
      const checkPath = join(dir, `${m.name}.check.libsvm`);
      const probes = probeRows(path, dense);
      writeRows(
        checkPath,
        [...dense.lines, ...sparse, ...probes],
        [...groups, ...groups, probes.length],
      );
      const out = join(dir, `${m.name}.predictions.txt`);
      const margins = join(dir, `${m.name}.margins.txt`);
      await script(["predict", path, checkPath, "--out", out, "--margins", margins]);
      const evaluate = JSON.parse(
        await cli(["evaluate", "--frozen", "--model", path, "--test", FIXTURE, "--format", "json"]),
      );
      if (m.name === "ndcg-dense")
        scriptMrr = JSON.parse(await script(["predict", path, exported]));
      trained.set(m.name, {
        path,
        evaluate,
        predictions: readNumbers(out),
        margins: readNumbers(margins),
      });
    }
  };
  // Two at a time: the machine has two cores.
  await Promise.all([worker(), worker()]);
}, 240_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The project's metric on the exported rows' predictions, rounded as evaluate reports it. */
function mrrOf(predictions: number[]): Mrr {
  let all = 0;
  let last = 0;
  let at = 0;
  groups.forEach((g, k) => {
    const rr = reciprocalRank(predictions.slice(at, at + g), dense.labels.slice(at, at + g));
    all += rr;
    if (lastFlags[k]) last += rr;
    at += g;
  });
  const nLast = lastFlags.filter(Boolean).length;
  return {
    mrr_last: round4(last / nLast),
    mrr_all: round4(all / groups.length),
    n_last: nLast,
    n_all: groups.length,
  };
}

describe("export-features", () => {
  it("writes every feature of every row, zeros included, and every scored clickout", () => {
    expect(exportSummary.rows).toBe(dense.lines.length);
    expect(groups.length).toBe(exportSummary.clickouts);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(dense.lines.length);
    for (const line of dense.lines) {
      const tokens = line.split(" ");
      expect(tokens.length).toBe(1 + FEATURE_COUNT);
      expect(tokens.slice(1).map((t) => Number(t.split(":")[0]))).toEqual(
        FEATURE_NAMES.map((_, k) => k),
      );
    }
    expect(dense.lines.some((l) => l.includes(" 6:0 "))).toBe(true);
    expect(JSON.parse(readFileSync(`${exported}.features.json`, "utf8"))).toEqual([
      ...FEATURE_NAMES,
    ]);
    const clickouts = readFileSync(`${exported}.clickouts.tsv`, "utf8").split("\n").filter(Boolean);
    expect(clickouts[0]).toBe("session_id\tlast");
    expect(clickouts.length - 1).toBe(groups.length);
    expect(clickouts.filter((l) => l.endsWith("\t1")).length).toBe(exportSummary.lastClickouts);
    // One clicked item per group (the fixture's clicks are all in their lists).
    let at = 0;
    for (const n of groups) {
      expect(dense.labels.slice(at, at + n).filter((y) => y === 1).length).toBe(1);
      at += n;
    }
  });
});

describe.each(MODELS.map((m) => [m.name, m.objective] as const))(
  "XGBoost %s (%s)",
  (name, objective) => {
    it("loads through the model loader and scores the exported rows as XGBoost predicts", () => {
      const t = trained.get(name)!;
      const scorer = loadModelFile(t.path);
      expect(scorer.name).toBe(`xgb-${name}`);
      const n = dense.labels.length;
      const out = new Float64Array(n);
      scorer.score(dense.matrix, n, out);
      const xgb = t.predictions.slice(0, n);
      if (objective === "binary:logistic")
        xgb.forEach((p, i) => {
          expect(float32Steps(out[i]!, p)).toBeLessThanOrEqual(1);
        });
      else expect(Array.from(out)).toEqual(xgb);
      // Not a constant: the trees split the rows.
      expect(new Set(xgb).size).toBeGreaterThan(20);
    });

    it("bit-exact margins on missing values and at every split condition's float32 edges", () => {
      const t = trained.get(name)!;
      const rows = parseLibsvm(join(dir, `${name}.check.libsvm`));
      const n = rows.labels.length;
      expect(t.margins.length).toBe(n);
      const model = parseXgboostModel(JSON.parse(readFileSync(t.path, "utf8")), name);
      // The model's columns are the export's: its feature names are FEATURE_NAMES.
      expect(model.featureNames).toEqual([...FEATURE_NAMES]);
      const margin = compileModel({ ...model, output: undefined });
      const out = new Float64Array(n);
      margin.scoreRows(rows.matrix, n, out);
      expect(Array.from(out)).toEqual(t.margins);
      const scored = new Float64Array(n);
      loadModelFile(t.path).score(rows.matrix, n, scored);
      if (objective !== "binary:logistic") expect(Array.from(scored)).toEqual(t.predictions);
      else
        t.predictions.forEach((p, i) => {
          expect(float32Steps(scored[i]!, p)).toBeLessThanOrEqual(1);
        });
      expect(rows.matrix.some(Number.isNaN)).toBe(true);
    });

    it("evaluate --frozen --model m.json reports the MRR of XGBoost's own predictions", () => {
      const t = trained.get(name)!;
      expect(t.evaluate.frozen).toBe(true);
      expect(t.evaluate.model).toEqual(mrrOf(t.predictions.slice(0, dense.labels.length)));
    });
  },
);

describe("scripts/xgboost-rank.py predict", () => {
  it("prints the MRR that evaluate reports for the same model and rows", () => {
    const t = trained.get("ndcg-dense")!;
    expect({
      ...scriptMrr,
      mrr_last: round4(scriptMrr.mrr_last),
      mrr_all: round4(scriptMrr.mrr_all),
    }).toEqual(t.evaluate.model);
  });
});

describe("MODEL_PATH", () => {
  it("selects an XGBoost model like any other", () => {
    const t = trained.get("pairwise")!;
    const scorer = loadScorer({ MODEL_PATH: t.path });
    expect(scorer.name).toBe("xgb-pairwise");
    const n = dense.labels.length;
    const out = new Float64Array(n);
    scorer.score(dense.matrix, n, out);
    expect(Array.from(out)).toEqual(t.predictions.slice(0, n));
  });
});
