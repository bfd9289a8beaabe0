import { ConfigError } from "../config.ts";
import { UsageError } from "./args.ts";
import { evaluateCommand } from "./commands/evaluate.ts";
import { exportFeaturesCommand } from "./commands/export-features.ts";
import { importItemsCommand } from "./commands/import-items.ts";
import { nextItemCommand } from "./commands/next-item.ts";
import { replayCommand } from "./commands/replay.ts";
import { splitCommand } from "./commands/split.ts";
import { trainCommand } from "./commands/train.ts";

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  replay: replayCommand,
  split: splitCommand,
  train: trainCommand,
  evaluate: evaluateCommand,
  "export-features": exportFeaturesCommand,
  "next-item": nextItemCommand,
  "import-items": importItemsCommand,
};

const HELP = `sessionrank CLI

  replay <file>                     stream a log into the configured store
  split <file> --out-dir <dir>      user-disjoint train/test split of a trivago log
  train --data <file> --out <m.json>  replay, record saved states, fit LambdaMART
  evaluate --train <f> --test <f>   prequential MRR of the model and three baselines
  export-features --data <f> --out <f.libsvm>  saved states of the replay in libsvm ranking format (XGBoost)
  next-item --train <f> --test <f>  HR@20 / MRR@20 of co-visitation vs popularity
  import-items <file>               upsert item metadata (trivago item_metadata.csv or JSON lines of ItemInput)

Run a command with --help for its flags. Logs: trivago CSV (plain or gzip), JSON lines of EventInput, session-rec TSV.`;

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === "--help" || cmd === "help") {
    console.log(HELP);
    return;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    console.error(`unknown command ${cmd}\n\n${HELP}`);
    process.exit(2);
  }
  try {
    await run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}

void main();
