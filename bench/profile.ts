/**
 * CPU profile of the service under trackEvent load (or trackEvents batches with --batch):
 *   npx tsx bench/profile.ts [--seconds 10] [--batch]
 * Starts a private redis-server and the service with `node --import tsx --cpu-prof`, drives
 * it with autocannon, stops it (the profile is written on exit) and prints a summary.
 * Profiles land in bench/results/profiles/ (open them in Chrome DevTools or speedscope).
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { hammer } from "./lib/load.ts";
import { startService } from "./lib/procs.ts";
import { startRedis } from "./lib/redis.ts";
import { loadSample, renamed, trackEventBody, trackEventsBody } from "./lib/sample.ts";
import { summarize } from "./profile-summary.ts";

const argv = process.argv.slice(2);
const i = argv.indexOf("--seconds");
const seconds = i >= 0 ? Number(argv[i + 1]) : 10;
const batch = argv.includes("--batch");
const dir = new URL("./results/profiles/", import.meta.url).pathname;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const sample = await loadSample();
const redis = await startRedis();
const svc = await startService({ redisUrl: redis.url, workers: 1 }, { cpuProfDir: dir });
try {
  const evs = renamed(sample.events, "prof");
  const bodies: string[] = [];
  if (batch)
    for (let k = 0; k + 100 <= evs.length; k += 100)
      bodies.push(trackEventsBody(evs.slice(k, k + 100)));
  else for (const e of evs) bodies.push(trackEventBody(e));
  const r = await hammer(svc.url, bodies, { connections: batch ? 4 : 16, seconds });
  console.log(
    `${batch ? "trackEvents x100" : "trackEvent"}: ${r.reqPerSec} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`,
  );
} finally {
  await svc.stop();
  await redis.stop();
}
const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
const biggest = files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
if (biggest) console.log(summarize(join(dir, biggest), 25));
process.exit(0);
