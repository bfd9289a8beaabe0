import { defaultConfig } from "../../config.ts";
import { loadEvents } from "../../learn/load-events.ts";
import { prequential } from "../../learn/prequential.ts";
import { trainFromEvents } from "../../learn/train.ts";
import { GbdtScorer } from "../../scoring/gbdt-scorer.ts";
import { LinearScorer } from "../../scoring/linear-scorer.ts";
import { loadModelFile } from "../../scoring/load-scorer.ts";
import { ModelHolder } from "../../scoring/model-holder.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import { createServices } from "../../services.ts";
import { MemoryStore } from "../../state/memory-store.ts";
import { boostingFlag, numberFlag, optionalNumberFlag, parse, requireString } from "../args.ts";
import { progressBar } from "../progress.ts";

const USAGE =
  "evaluate --train <file> --test <file> [--model <model.json> | --hand] [--frozen] [--trees 150] [--learning-rate 0.2] [--boosting dart|gbdt] [--seed 1] [--format json|text]\n  Learns from the train file (or loads the model: ours or an XGBoost JSON model), then replays the test file onto a fresh store, scoring each clickout before it is ingested.\n  --frozen scores with the model exactly as loaded. Every evaluation is frozen today; once the online layer of issue 17 lands, the default will replay with its per-clickout updates, as the service would.";

export async function evaluateCommand(argv: string[]): Promise<void> {
  const { flags } = parse(
    argv,
    {
      train: { type: "string" },
      test: { type: "string" },
      model: { type: "string" },
      hand: { type: "boolean" },
      // No online layer exists yet, so scoring is frozen either way (reported as such).
      frozen: { type: "boolean" },
      trees: { type: "string" },
      "learning-rate": { type: "string" },
      boosting: { type: "string" },
      seed: { type: "string" },
      format: { type: "string", default: "text" },
    },
    USAGE,
  );
  const json = flags.format === "json";
  const say = (l: string) => {
    if (!json) console.error(l);
  };
  const config = defaultConfig();
  const testFile = requireString(flags, "test", USAGE);
  let scorer: Scorer;
  if (flags.hand) scorer = new LinearScorer();
  else if (typeof flags.model === "string") scorer = loadModelFile(flags.model);
  else {
    const trainFile = requireString(flags, "train", USAGE);
    const train = await loadEvents(trainFile, config);
    say(`train: ${train.events.length} events (${train.bad.length} bad rows)`);
    const bar = progressBar("train replay");
    const report = await trainFromEvents(train.events, config, {
      options: {
        trees: optionalNumberFlag(flags, "trees"),
        learningRate: optionalNumberFlag(flags, "learning-rate"),
        boosting: boostingFlag(flags.boosting, USAGE),
        seed: numberFlag(flags, "seed", 1),
      },
      source: trainFile,
      onProgress: json ? undefined : (d, t) => bar.update(d, t),
      log: say,
    });
    bar.end();
    say(
      `trained ${report.model.trees.length} trees on ${report.groups} clickouts in ${report.seconds.fit.toFixed(1)}s`,
    );
    scorer = new GbdtScorer(report.model);
  }
  const test = await loadEvents(testFile, config);
  say(`test: ${test.events.length} events (${test.bad.length} bad rows)`);
  // A fresh store: the test replay starts from nothing the train file's sessions left.
  const services = createServices(new MemoryStore(), config, new ModelHolder(scorer));
  const bar = progressBar("test replay");
  const r = await prequential(services, test.events, {
    scorer,
    onProgress: json ? undefined : (d, t) => bar.update(d, t),
  });
  bar.end();
  const result = {
    frozen: true,
    model: r.model,
    baselines: r.baselines,
    events_per_second: Math.round(r.eventsPerSecond),
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  const rows: [string, (typeof r)["model"]][] = [
    [`model (${scorer.name}, frozen)`, r.model],
    ["shown_order", r.baselines.shown_order],
    ["popularity", r.baselines.popularity],
    ["session_interacted_first", r.baselines.session_interacted_first],
  ];
  console.log("| ranker | MRR last clickout | MRR all clickouts | n last | n all |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, s] of rows)
    console.log(
      `| ${name} | ${s.mrr_last.toFixed(4)} | ${s.mrr_all.toFixed(4)} | ${s.n_last} | ${s.n_all} |`,
    );
  console.log(
    `\n${r.events} test events replayed at ${result.events_per_second.toLocaleString("en")} events/s; ${r.clickedNotShown} clickout(s) on an item not in the list, scored 0.`,
  );
}
