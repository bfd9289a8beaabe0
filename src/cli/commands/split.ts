import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { readLines } from "../../ingest/sources/lines.ts";
import { inTestSplit } from "../../learn/hash-split.ts";
import { numberFlag, parse, requireString } from "../args.ts";

const USAGE =
  "split <trivago.csv[.gz]> --out-dir <dir> [--test-fraction 0.3] [--seed 1]\n  Writes train.csv and test.csv, user-disjoint (a user's rows go to one side, by a hash of user_id and the seed).";

export async function splitCommand(argv: string[]): Promise<void> {
  const { flags, positionals } = parse(
    argv,
    {
      "out-dir": { type: "string" },
      "test-fraction": { type: "string" },
      seed: { type: "string" },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file) throw new Error(`a file is required\n\nusage: ${USAGE}`);
  const dir = requireString(flags, "out-dir", USAGE);
  const fraction = numberFlag(flags, "test-fraction", 0.3);
  const seed = numberFlag(flags, "seed", 1);
  await mkdir(dir, { recursive: true });
  const train = createWriteStream(join(dir, "train.csv"));
  const test = createWriteStream(join(dir, "test.csv"));
  const counts = { train: 0, test: 0 };
  for await (const { line, text } of readLines(file)) {
    if (line === 1) {
      train.write(`${text}\n`);
      test.write(`${text}\n`);
      continue;
    }
    if (text === "") continue;
    // user_id is the first column and never quoted in these logs.
    const user = text.slice(0, text.indexOf(","));
    const side = inTestSplit(user, fraction, seed) ? "test" : "train";
    (side === "test" ? test : train).write(`${text}\n`);
    counts[side]++;
  }
  await Promise.all([new Promise((r) => train.end(r)), new Promise((r) => test.end(r))]);
  console.log(
    `wrote ${counts.train} train rows and ${counts.test} test rows to ${dir} (seed ${seed})`,
  );
}
