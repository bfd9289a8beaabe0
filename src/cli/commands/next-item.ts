import { defaultConfig } from "../../config.ts";
import { type LoadedLog, loadEvents } from "../../learn/load-events.ts";
import { LinearScorer } from "../../scoring/linear-scorer.ts";
import { ModelHolder } from "../../scoring/model-holder.ts";
import { createServices } from "../../services.ts";
import { MemoryStore } from "../../state/memory-store.ts";
import { numberFlag, parse, requireString } from "../args.ts";

const USAGE =
  "next-item (--train <file> --test <file> | --data <file> [--test-fraction 0.2]) [--k 20] [--format json|text]\n  Replays the train log, then predicts each next click of the test sessions from the clicks before it (prequential: test clicks are ingested after they are predicted). With --data, the sessions that start last (by time) are the test.";

interface HitStats {
  hr: number;
  mrr: number;
  n: number;
}

export async function nextItemCommand(argv: string[]): Promise<void> {
  const { flags } = parse(
    argv,
    {
      train: { type: "string" },
      test: { type: "string" },
      data: { type: "string" },
      "test-fraction": { type: "string" },
      k: { type: "string" },
      format: { type: "string", default: "text" },
    },
    USAGE,
  );
  const k = numberFlag(flags, "k", 20);
  const config = defaultConfig({ DEFAULT_LIMIT: k });
  let train: LoadedLog;
  let test: LoadedLog;
  if (typeof flags.data === "string") {
    ({ train, test } = splitByTime(
      await loadEvents(flags.data, config),
      numberFlag(flags, "test-fraction", 0.2),
    ));
  } else {
    train = await loadEvents(requireString(flags, "train", USAGE), config);
    test = await loadEvents(requireString(flags, "test", USAGE), config);
  }
  const { engine, recommender } = createServices(
    new MemoryStore(),
    config,
    new ModelHolder(new LinearScorer()),
  );
  const started = performance.now();
  for (const e of train.events) await engine.ingest(e);
  const acc = { covisitation: new Acc(), popularity: new Acc() };
  for (const e of test.events) {
    const snap = await engine.snapshot(e.sessionId);
    if (snap.step > 0 && e.itemId) {
      const recs = await recommender.recommend(e.sessionId, undefined, k);
      acc.covisitation.add(
        recs.items.map((i) => i.itemId),
        e.itemId,
        k,
      );
      const pop = await recommender.popular(undefined, k);
      acc.popularity.add(
        pop.map((p) => p.itemId),
        e.itemId,
        k,
      );
    }
    await engine.ingest(e, snap);
  }
  const seconds = (performance.now() - started) / 1000;
  const result = {
    k,
    covisitation: acc.covisitation.stats(),
    popularity: acc.popularity.stats(),
    train_events: train.events.length,
    test_events: test.events.length,
    bad_rows: train.bad.length + test.bad.length,
    events_per_second: Math.round((train.events.length + test.events.length) / seconds),
  };
  if (flags.format === "json") {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`| recommender | HR@${k} | MRR@${k} | predictions |`);
  console.log("| --- | ---: | ---: | ---: |");
  for (const name of ["covisitation", "popularity"] as const) {
    const s = result[name];
    console.log(`| ${name} | ${s.hr.toFixed(4)} | ${s.mrr.toFixed(4)} | ${s.n} |`);
  }
}

class Acc {
  private hits = 0;
  private rr = 0;
  private n = 0;
  add(list: string[], target: string, k: number): void {
    this.n++;
    const r = list.slice(0, k).indexOf(target);
    if (r >= 0) {
      this.hits++;
      this.rr += 1 / (r + 1);
    }
  }
  stats(): HitStats {
    const d = Math.max(this.n, 1);
    return {
      hr: Math.round((this.hits / d) * 1e4) / 1e4,
      mrr: Math.round((this.rr / d) * 1e4) / 1e4,
      n: this.n,
    };
  }
}

/** The sessions that start last (the newest `fraction` of them) become the test log. */
function splitByTime(log: LoadedLog, fraction: number): { train: LoadedLog; test: LoadedLog } {
  const start = new Map<string, number>();
  for (const e of log.events) if (!start.has(e.sessionId)) start.set(e.sessionId, e.timestamp);
  const ordered = [...start.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const testSessions = new Set(
    ordered.slice(Math.floor(ordered.length * (1 - fraction))).map(([s]) => s),
  );
  const pick = (inTest: boolean): LoadedLog => ({
    events: log.events.filter((e) => testSessions.has(e.sessionId) === inTest),
    bad: inTest ? [] : log.bad,
    rows: log.rows,
  });
  return { train: pick(false), test: pick(true) };
}
