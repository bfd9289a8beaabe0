import type { Config } from "../config.ts";
import { LinearScorer } from "./linear-scorer.ts";
import type { Scorer } from "./scorer.ts";

/** The scorer the service starts with. */
export async function loadScorer(_config: Config): Promise<Scorer> {
  return new LinearScorer();
}
