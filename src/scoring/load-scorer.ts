import { existsSync, readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Config } from "../config.ts";
import { parseGbdtModel } from "./gbdt.ts";
import { GbdtScorer } from "./gbdt-scorer.ts";
import { LinearScorer } from "./linear-scorer.ts";
import type { Scorer } from "./scorer.ts";
import { isXgboostModel, parseXgboostModel } from "./xgboost.ts";

/** The model shipped in the repo, trained on trivago part A (see docs/evaluation.md). */
export const DEFAULT_MODEL_PATH = new URL("../../models/default.json", import.meta.url).pathname;

/**
 * Reads and checks a model artifact, ours (sessionrank.gbdt) or XGBoost's JSON model (named
 * after its "name" attribute, else its file); throws with the file name and what is wrong.
 * Every way of choosing a model (MODEL_PATH, --model) loads through here.
 */
export function loadModelFile(path: string): GbdtScorer {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read model ${path}: ${(err as Error).message}`);
  }
  try {
    if (isXgboostModel(json))
      return new GbdtScorer(parseXgboostModel(json, basename(path, extname(path))));
    return new GbdtScorer(parseGbdtModel(json));
  } catch (err) {
    throw new Error(`invalid model ${path}: ${(err as Error).message}`);
  }
}

/**
 * MODEL_PATH when set ("hand" selects the hand-weighted scorer); otherwise the shipped
 * default model, or the hand-weighted scorer if no model file is present.
 */
export function loadScorer(config: Pick<Config, "MODEL_PATH">): Scorer {
  if (config.MODEL_PATH === "hand") return new LinearScorer();
  if (config.MODEL_PATH) return loadModelFile(config.MODEL_PATH);
  return existsSync(DEFAULT_MODEL_PATH) ? loadModelFile(DEFAULT_MODEL_PATH) : new LinearScorer();
}
