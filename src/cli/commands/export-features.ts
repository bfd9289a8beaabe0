import { defaultConfig } from "../../config.ts";
import { exportFeatures } from "../../learn/export-libsvm.ts";
import { loadEvents } from "../../learn/load-events.ts";
import { parse, requireString } from "../args.ts";
import { progressBar } from "../progress.ts";

const USAGE =
  "export-features --data <log> --out <file.libsvm> [--format json|text]\n  Replays the log onto a fresh store as evaluate does and writes the saved state of every scored clickout in libsvm ranking format: <file> (label index:value, every feature), <file>.group (rows per clickout), <file>.features.json (feature names in column order) and <file>.clickouts.tsv (session, last clickout or not). scripts/xgboost-rank.py trains XGBoost on them.";

export async function exportFeaturesCommand(argv: string[]): Promise<void> {
  const { flags } = parse(
    argv,
    {
      data: { type: "string" },
      out: { type: "string" },
      format: { type: "string", default: "text" },
    },
    USAGE,
  );
  const data = requireString(flags, "data", USAGE);
  const out = requireString(flags, "out", USAGE);
  const json = flags.format === "json";
  const log = await loadEvents(data, defaultConfig());
  if (!json) console.error(`${data}: ${log.events.length} events (${log.bad.length} bad rows)`);
  const bar = progressBar("replay");
  const summary = await exportFeatures(log.events, defaultConfig(), out, {
    onProgress: json ? undefined : (d, t) => bar.update(d, t),
  });
  bar.end();
  if (json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(
    `${summary.clickouts} clickouts (${summary.lastClickouts} last of their session, ${summary.clickedNotShown} on an item not shown: all labels 0), ${summary.rows} rows of ${summary.features} features`,
  );
  console.log(`wrote ${summary.files.join(", ")}`);
}
