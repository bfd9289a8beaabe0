import { Catalog } from "../../catalog/catalog.ts";
import type { ItemUpdate } from "../../catalog/item.ts";
import { validateItem } from "../../catalog/item.ts";
import { loadConfig } from "../../config.ts";
import { createKeys } from "../../domain/keys.ts";
import { badRow } from "../../ingest/sources/bad-row.ts";
import { type ItemSourceFormat, openItemSource } from "../../ingest/sources/item-metadata.ts";
import { readLines } from "../../ingest/sources/lines.ts";
import { createStore } from "../../state/create-store.ts";
import { numberFlag, parse, UsageError } from "../args.ts";
import { printBadRows } from "../bad-rows.ts";
import { progressBar } from "../progress.ts";

const USAGE =
  "import-items <file> [--format trivago|jsonl] [--batch 500] [--json]\n  Upserts item metadata into the configured store (REDIS_URL, else memory): a trivago item_metadata.csv (plain or gzip) or JSON lines of ItemInput.";

export async function importItemsCommand(argv: string[]): Promise<void> {
  const { flags, positionals } = parse(
    argv,
    { format: { type: "string" }, batch: { type: "string" }, json: { type: "boolean" } },
    USAGE,
  );
  const file = positionals[0];
  if (!file) throw new UsageError(`a file is required\n\nusage: ${USAGE}`);
  const format = flags.format as ItemSourceFormat | undefined;
  if (format !== undefined && format !== "trivago" && format !== "jsonl")
    throw new UsageError(`--format must be trivago or jsonl\n\nusage: ${USAGE}`);
  const config = loadConfig();
  const batchSize = Math.max(1, Math.min(numberFlag(flags, "batch", 500), config.MAX_BATCH_SIZE));
  const store = createStore(config);
  const catalog = new Catalog(store, createKeys(config.REDIS_PREFIX));
  // A first pass counts the rows, so the bar knows its total (streamed: memory stays flat).
  let total = 0;
  for await (const _ of readLines(file)) total++;
  const bar = progressBar("import-items", "items");
  const bad: { line: number; error: string }[] = [];
  let rows = 0;
  let upserted = 0;
  let created = 0;
  let batch = new Map<string, ItemUpdate>();
  const started = performance.now();
  const flush = async () => {
    if (batch.size === 0) return;
    const r = await catalog.upsert([...batch.values()]);
    upserted += r.upserted;
    created += r.created;
    batch = new Map();
    bar.update(rows, total);
  };
  try {
    for await (const row of openItemSource(file, format)) {
      rows++;
      if ("error" in row) {
        bad.push(row);
        continue;
      }
      const checked = validateItem(row.item, config, "item");
      if (!checked.ok) {
        bad.push(badRow(row.line, checked.errors, "item"));
        continue;
      }
      // A later row of the same item wins, as a later upsert would.
      if (batch.has(checked.value.itemId)) await flush();
      batch.set(checked.value.itemId, checked.value);
      if (batch.size >= batchSize) await flush();
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
    upserted,
    created,
    badRows: bad.length,
    seconds: Math.round(seconds * 100) / 100,
    itemsPerSecond: Math.round(upserted / Math.max(seconds, 1e-9)),
  };
  if (flags.json) console.log(JSON.stringify({ ...summary, bad }));
  else {
    console.log(
      `imported ${upserted.toLocaleString("en")} items (${created.toLocaleString("en")} new) from ${rows.toLocaleString("en")} rows in ${summary.seconds}s into the ${store.kind} store`,
    );
    printBadRows(bad, "imported");
  }
}
