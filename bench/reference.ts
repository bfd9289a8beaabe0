import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { round } from "./lib/stats.ts";

const run = promisify(execFile);
const SCRIPT = new URL("./lua/reference-4.lua", import.meta.url);

/**
 * The fixed reference bound: bench/lua/reference-4.lua (nine writes of one event on four
 * keys under one hash tag) driven by `redis-benchmark -c 50` with EVALSHA, so anyone can
 * rerun it against any Redis. redis-benchmark replaces every `__rand_int__` on its own, so
 * the four keys of one call are the keys of random sessions and items under the constant
 * tag `{rb}`; on one Redis they cost what one session's four keys cost.
 */
export interface ReferenceResult {
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The command, to rerun it by hand (after `redis-cli -p PORT script load "$(cat bench/lua/reference-4.lua)"`). */
  command: string;
}

export async function luaReference(
  port: number,
  opts: { requests: number; sessions?: number },
): Promise<ReferenceResult> {
  const client = new Redis({ port, host: "127.0.0.1" });
  const sha = (await client.script("LOAD", readFileSync(SCRIPT, "utf8"))) as string;
  client.disconnect();
  const args = [
    ...["-h", "127.0.0.1", "-p", String(port), "-c", "50", "-n", String(opts.requests)],
    ...["-r", String(opts.sessions ?? 100_000), "--csv"],
    ...["EVALSHA", sha, "4", "{rb}:s:__rand_int__", "{rb}:r:__rand_int__"],
    ...["{rb}:i:__rand_int__:cv", "{rb}:pop", "__rand_int__", "ITEM_IMAGE", "3600"],
  ];
  const { stdout } = await run("redis-benchmark", args, { maxBuffer: 1 << 20 });
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",...
  const row = stdout
    .trim()
    .split("\n")
    .map((l) => l.split('","').map((c) => c.replace(/"/g, "")))
    .find((c) => c[0]?.startsWith("EVALSHA"));
  if (!row) throw new Error(`redis-benchmark printed no EVALSHA row:\n${stdout}`);
  return {
    eventsPerSec: round(Number(row[1]), 0),
    p50Ms: Number(row[4]),
    p99Ms: Number(row[6]),
    command: `redis-benchmark ${args.join(" ").replace(sha, "<sha of bench/lua/reference-4.lua>")}`,
  };
}
