/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time by package/area and the
 * top functions. Usage: tsx bench/profile-summary.ts <file-or-dir>...
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (url === "") return "(native/idle/gc)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  const src = /\/(src\/[^/]+)/.exec(url);
  if (src?.[1]) return src[1];
  if (url.startsWith("node:")) return "node core";
  return url.split("/").slice(-2).join("/");
}

export function summarize(path: string, top = 15): string {
  const p = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  let total = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    total += us;
    const name = n.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") {
      areas.set("(idle)", (areas.get("(idle)") ?? 0) + us);
      continue;
    }
    const a = area(n.callFrame.url);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const f = `${name} ${a}:${n.callFrame.lineNumber + 1}`;
    fns.set(f, (fns.get(f) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
  const lines = [`${path}: ${(total / 1e6).toFixed(1)} s sampled`, "  self time by area:"];
  for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${a}`);
  lines.push("  top functions (self):");
  for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${f}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const arg of process.argv.slice(2)) {
    const files = statSync(arg).isDirectory()
      ? readdirSync(arg)
          .filter((f) => f.endsWith(".cpuprofile"))
          .map((f) => join(arg, f))
      : [arg];
    for (const f of files) console.log(summarize(f));
  }
}
