import type { Redis } from "ioredis";
import type { PublishOutcome, PublishRequest, ReadOp, ReadValue } from "./store.ts";

/**
 * The reply side of the Redis stores' one wire format (the request side: encode-ops.ts,
 * encode-reads.ts): how a read is sent as a plain command, and how replies, from a
 * pipeline, the cluster client or the read-many script, become the Store's values.
 */
export type PipelineResult = [Error | null, unknown][] | null;

export function throwFirst(res: PipelineResult): void {
  for (const [err] of res ?? []) if (err) throw err;
}

/** The script's replies, shaped as the pipeline's, so one decoder serves both paths. */
export function scriptReplies(reads: readonly ReadOp[], replies: unknown[]): PipelineResult {
  const out: [Error | null, unknown][] = [];
  let j = 0;
  for (const r of reads) {
    if (emptyRead(r)) continue;
    const v = replies[j++];
    if (r.op === "hgetall") {
      // HGETALL inside a script comes back as a flat field/value array.
      const flat = (v ?? []) as string[];
      const obj: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
      out.push([null, obj]);
    } else out.push([null, v]);
  }
  return out;
}

/**
 * Reads answered without a command: HMGET/ZMSCORE need at least one argument, and a
 * range of n <= 0 would be `0 -1` (everything) in Redis, where it must be nothing.
 */
export function emptyRead(r: ReadOp): boolean {
  switch (r.op) {
    case "hmget":
      return r.fields.length === 0;
    case "zmscore":
    case "smismember":
      return r.members.length === 0;
    case "ztop":
    case "lrange":
    case "srandmember":
      return r.n <= 0;
    case "hgetall":
    case "scard":
      return false;
  }
}

export function queueRead(p: ReturnType<Redis["pipeline"]>, r: ReadOp): void {
  if (emptyRead(r)) return;
  switch (r.op) {
    case "hgetall":
      p.hgetall(r.key);
      break;
    case "hmget":
      p.hmget(r.key, ...r.fields);
      break;
    case "zmscore":
      p.call("ZMSCORE", r.key, ...r.members);
      break;
    case "ztop":
      p.call("ZRANGE", r.key, 0, r.n - 1, "REV", "WITHSCORES");
      break;
    case "lrange":
      p.lrange(r.key, 0, r.n - 1);
      break;
    case "smismember":
      p.call("SMISMEMBER", r.key, ...r.members);
      break;
    case "scard":
      p.scard(r.key);
      break;
    case "srandmember":
      p.srandmember(r.key, r.n);
      break;
  }
}

export function decodeReads(
  reads: readonly ReadOp[],
  res: PipelineResult,
  offset: number,
): ReadValue[] {
  const out: ReadValue[] = [];
  let j = offset;
  for (const r of reads) {
    if (emptyRead(r)) {
      out.push([]);
      continue;
    }
    const entry = res?.[j++];
    if (!entry) throw new Error("redis pipeline returned fewer replies than commands");
    const [err, v] = entry;
    if (err) throw err;
    switch (r.op) {
      case "hgetall":
        out.push((v ?? {}) as Record<string, string>);
        break;
      case "hmget":
        out.push(v as (string | null)[]);
        break;
      case "zmscore":
        out.push((v as (string | null)[]).map((s) => (s === null ? null : Number(s))));
        break;
      case "ztop": {
        const flat = v as string[];
        const pairs: [string, number][] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
        out.push(pairs);
        break;
      }
      case "lrange":
      case "srandmember":
        out.push(v as string[]);
        break;
      case "smismember":
        out.push((v as (number | string)[]).map((x) => Number(x) === 1));
        break;
      case "scard":
        out.push(Number(v));
        break;
    }
  }
  return out;
}

/**
 * KEYS and ARGV of lua/publish-if-changed-2.lua. `publish`: how a message goes out, "p"
 * PUBLISH (one Redis) or "s" SPUBLISH (a cluster's shard); without a payload, "n" (the
 * order is only numbered).
 */
export function publishArgs(req: PublishRequest, publish: "p" | "s"): (string | number)[] {
  return [
    req.publishedKey,
    req.channel,
    req.order,
    req.ttlSeconds,
    req.payload?.head ?? "",
    req.payload?.tail ?? "",
    req.versionField,
    req.orderField,
    req.payload ? publish : "n",
  ];
}

/** The script's reply: { 1 | 0, version }. */
export function publishOutcome([published, version]: [number, number]): PublishOutcome {
  return { published: published === 1, version: Number(version) };
}
