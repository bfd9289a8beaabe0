/**
 * A/B of two service settings, side by side on one private Redis, runs alternating so that
 * both see the same machine (what a change bought, measured as a ratio in one run):
 *   npx tsx bench/ab.ts --a DIRECT_PATH=true --b DIRECT_PATH=false [--batch | --import] [--runs 5] [--seconds 5]
 *   npx tsx bench/ab.ts --b-dir /tmp/base      (this checkout against another one, e.g. a
 *     `git worktree add /tmp/base HEAD~1` with node_modules linked: what a code change bought)
 * Each side is the real service (src/main.ts, one worker) with the given environment; the
 * load is trackEvent (or trackEvents x100 with --batch; with rescore: false, an import, with
 * --import) over the trivago sample, renamed
 * per run so every run writes fresh sessions.
 */
import { hammer, type LoadResult } from "./lib/load.ts";
import { type Proc, procCpu, startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventBody, trackEventsBody } from "./lib/sample.ts";
import { median, round } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const opt = (name: string): string[] =>
  argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] ? [argv[i + 1]!] : []));
const envOf = (pairs: string[]) =>
  Object.fromEntries(
    pairs.map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  ) as Record<string, string>;
const A = envOf(opt("a"));
const B = envOf(opt("b"));
const DIRS = { a: opt("a-dir")[0], b: opt("b-dir")[0] };
const importing = argv.includes("--import");
const batch = importing || argv.includes("--batch");
const runs = Number(opt("runs")[0] ?? 5);
const seconds = Number(opt("seconds")[0] ?? 5);

function start(env: Record<string, string>, prefix: "a" | "b"): Promise<Proc> {
  return startService({ ...env, redisUrl: redis.url, workers: 1, prefix }, { root: DIRS[prefix] });
}

const sample = await loadSample();
const bodies = (tag: string): string[] => {
  const evs = renamed(sample.events, tag);
  if (!batch) return evs.map(trackEventBody);
  const out: string[] = [];
  for (let i = 0; i + 100 <= evs.length; i += 100)
    out.push(trackEventsBody(evs.slice(i, i + 100), { rescore: !importing }));
  return out;
};
const redis = await startRedis();
const [a, b] = [await start(A, "a"), await start(B, "b")];
const load = { connections: batch ? 4 : 16, seconds };
try {
  await hammer(a.url, bodies("wa"), { ...load, seconds: 2 });
  await hammer(b.url, bodies("wb"), { ...load, seconds: 2 });
  const ra: LoadResult[] = [];
  const rb: LoadResult[] = [];
  // The service's own CPU per event (from /proc): steadier than throughput on a shared
  // machine, where the load generator and Redis compete for the same cores.
  const cpu = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < runs; r++) {
    // Alternate which side goes first, so neither always runs on a warmer machine.
    const pair = r % 2 === 0 ? ([a, b] as const) : ([b, a] as const);
    for (const p of pair) {
      const c0 = procCpu(p.child.pid!);
      const res = await hammer(p.url, bodies(`${p === a ? "a" : "b"}${r}`), load);
      (p === a ? ra : rb).push(res);
      (p === a ? cpu.a : cpu.b).push(
        (procCpu(p.child.pid!) - c0) / (res.requests * (batch ? 100 : 1)),
      );
    }
    const unit = batch ? 100 : 1;
    console.error(
      `run ${r + 1}: A ${round(ra.at(-1)!.reqPerSec * unit, 0)} B ${round(rb.at(-1)!.reqPerSec * unit, 0)} ${batch ? "events/s" : "req/s"}; service CPU A ${round(cpu.a.at(-1)!, 1)} B ${round(cpu.b.at(-1)!, 1)} µs/event`,
    );
  }
  const unit = batch ? 100 : 1;
  const side = (
    env: Record<string, string>,
    dir: string | undefined,
    rs: LoadResult[],
    us: number[],
  ) => ({
    env,
    dir: dir ?? ".",
    perSecond: median(rs.map((r) => r.reqPerSec * unit)),
    cpuUsPerEvent: round(median(us), 1),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
  });
  const ratios = ra.map((r, i) => r.reqPerSec / rb[i]!.reqPerSec);
  console.log(
    JSON.stringify({
      a: side(A, DIRS.a, ra, cpu.a),
      b: side(B, DIRS.b, rb, cpu.b),
      ratio: round(median(ratios), 3),
      ratios: ratios.map((x) => round(x, 3)),
      cpuRatio: round(median(cpu.b.map((x, i) => x / cpu.a[i]!)), 3),
      unit: batch ? "events/s (trackEvents x100)" : "req/s (trackEvent)",
      errors: [...ra, ...rb].reduce((n, r) => n + r.errors, 0),
    }),
  );
} finally {
  await a.stop();
  await b.stop();
  await redis.stop();
}
process.exit(0);
