import { writeFileSync } from "node:fs";
import { defaultConfig } from "../../config.ts";
import { loadEvents } from "../../learn/load-events.ts";
import { readStates } from "../../learn/state-log.ts";
import { fitSavedStates, trainFromEvents } from "../../learn/train.ts";
import { boostingFlag, numberFlag, optionalNumberFlag, parse, requireString } from "../args.ts";
import { progressBar } from "../progress.ts";

const USAGE =
  "train (--data <log> | --states <saved-states.jsonl>) --out <model.json> [--trees 150] [--learning-rate 0.2] [--boosting dart|gbdt] [--seed 1] [--name NAME]\n  Replays the log, records the saved states at each clickout and fits LambdaMART; or fits saved states recorded by a running service (RECORD_STATES_PATH).";

export async function trainCommand(argv: string[]): Promise<void> {
  const { flags } = parse(
    argv,
    {
      data: { type: "string" },
      states: { type: "string" },
      out: { type: "string" },
      trees: { type: "string" },
      "learning-rate": { type: "string" },
      boosting: { type: "string" },
      seed: { type: "string" },
      name: { type: "string" },
    },
    USAGE,
  );
  const out = requireString(flags, "out", USAGE);
  const options = {
    // Unset flags keep the trainer's defaults (DEFAULT_TRAIN_OPTIONS, or GBDT_TRAIN_OPTIONS
    // with --boosting gbdt).
    trees: optionalNumberFlag(flags, "trees"),
    learningRate: optionalNumberFlag(flags, "learning-rate"),
    boosting: boostingFlag(flags.boosting, USAGE),
    seed: numberFlag(flags, "seed", 1),
  };
  const name = typeof flags.name === "string" ? flags.name : undefined;
  if (typeof flags.states === "string") {
    const { dataset, sessions, bad } = await readStates(flags.states);
    console.error(`read ${dataset.groups.length} saved states (${bad} unreadable lines)`);
    const report = fitSavedStates(dataset.groups, sessions, {
      options,
      name,
      source: flags.states,
      log: (l) => console.error(l),
    });
    writeFileSync(out, `${JSON.stringify(report.model)}\n`);
    console.log(
      `wrote ${out}: ${report.model.trees.length} trees from ${report.groups} saved states`,
    );
    return;
  }
  const data = requireString(flags, "data", USAGE);
  const config = defaultConfig();
  const log = await loadEvents(data, config);
  console.error(
    `loaded ${log.events.length} events from ${log.rows} rows (${log.bad.length} bad rows)`,
  );
  for (const b of log.bad.slice(0, 10)) console.error(`  line ${b.line}: ${b.error}`);
  const bar = progressBar("replay");
  const report = await trainFromEvents(log.events, config, {
    options,
    name,
    source: data,
    onProgress: (d, t) => bar.update(d, t),
    log: (l) => console.error(l),
  });
  bar.end();
  writeFileSync(out, `${JSON.stringify(report.model)}\n`);
  console.log(
    `wrote ${out}: ${report.model.trees.length} trees (best iteration ${report.bestIteration}) from ${report.groups} clickouts / ${report.rows} rows; replay ${report.seconds.replay.toFixed(1)}s, fit ${report.seconds.fit.toFixed(1)}s; validation MRR ${report.model.metrics?.valid_mrr ?? "n/a"}`,
  );
}
