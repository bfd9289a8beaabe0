import { loadConfig } from "../../config.ts";
import type { SessionEvent } from "../../domain/event-type.ts";
import { validateEvent } from "../../domain/validate-event.ts";
import { badRow } from "../../ingest/sources/bad-row.ts";
import { openSource, type SourceFormat } from "../../ingest/sources/detect.ts";
import { loadScorer } from "../../scoring/load-scorer.ts";
import { ModelHolder } from "../../scoring/model-holder.ts";
import { createServices } from "../../services.ts";
import { createStore } from "../../state/create-store.ts";
import { numberFlag, parse } from "../args.ts";
import { printBadRows } from "../bad-rows.ts";
import { progressBar } from "../progress.ts";

const USAGE =
  "replay <file> [--format trivago|jsonl|tsv] [--batch 500] [--no-rescore] [--json]\n  Streams a log through the ingest path into the configured store (REDIS_URL, else memory), in file order.";

export async function replayCommand(argv: string[]): Promise<void> {
  const { flags, positionals } = parse(
    argv,
    {
      format: { type: "string" },
      batch: { type: "string" },
      "no-rescore": { type: "boolean" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  const file = positionals[0];
  if (!file) throw new Error(`a file is required\n\nusage: ${USAGE}`);
  const config = loadConfig();
  const store = createStore(config);
  const { engine } = createServices(store, config, new ModelHolder(loadScorer(config)));
  const batchSize = numberFlag(flags, "batch", 500);
  const bar = progressBar("replay");
  const bad: { line: number; error: string }[] = [];
  let rows = 0;
  let events = 0;
  let batch: SessionEvent[] = [];
  const started = performance.now();
  const flush = async () => {
    if (batch.length === 0) return;
    await engine.trackBatch(batch, { rescore: !flags["no-rescore"] });
    events += batch.length;
    batch = [];
    bar.update(events, Math.max(rows, events));
  };
  try {
    for await (const row of openSource(file, flags.format as SourceFormat | undefined)) {
      rows++;
      if ("error" in row) {
        bad.push({ line: row.line, error: row.error });
        continue;
      }
      const checked = validateEvent(row.event, config, Date.now(), "row");
      if (!checked.ok) {
        bad.push(badRow(row.line, checked.errors, "row"));
        continue;
      }
      batch.push(checked.value);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    bar.end();
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    file,
    store: store.kind,
    rows,
    events,
    badRows: bad.length,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(events / Math.max(seconds, 1e-9)),
  };
  if (flags.json) console.log(JSON.stringify({ ...summary, bad }));
  else {
    console.log(
      `replayed ${events.toLocaleString("en")} events from ${rows.toLocaleString("en")} rows in ${summary.seconds}s (${summary.eventsPerSecond.toLocaleString("en")} events/s) into the ${store.kind} store`,
    );
    printBadRows(bad, "replayed");
  }
}
