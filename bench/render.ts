/** Re-renders a saved result: npx tsx bench/render.ts bench/results/full.json > docs/benchmarks.md */
import { readFileSync } from "node:fs";
import { type Results, renderMarkdown } from "./report.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: tsx bench/render.ts <results.json>");
process.stdout.write(renderMarkdown(JSON.parse(readFileSync(path, "utf8")) as Results));
