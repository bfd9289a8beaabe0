import { keyIndex } from "./key-index.ts";
import type { Op } from "./ops.ts";
import { packFields } from "./pack-fields.ts";

/**
 * Turns ops into the KEYS and ARGV of lua/apply-ops.lua: each key once, ops by index, the
 * op stream packed into one string (pack-fields.ts).
 */
export function encodeOps(ops: readonly Op[]): { keys: string[]; args: (string | number)[] } {
  const { keys, args } = encodeFlat(ops);
  return { keys, args: packFields(args) };
}

/** One ARGV entry per field (the stream encodeOps packs into one string). */
export function encodeFlat(ops: readonly Op[]): { keys: string[]; args: (string | number)[] } {
  const { keys, of: k } = keyIndex();
  const args: (string | number)[] = [];
  for (const o of ops) {
    switch (o.op) {
      case "hincr":
        args.push("h", k(o.key), o.field, o.by);
        break;
      case "hset":
        args.push("s", k(o.key), o.field, o.value);
        break;
      case "zincr":
        args.push("z", k(o.key), o.member, o.by, o.cap);
        break;
      case "zmax":
        args.push("m", k(o.key), o.member, o.score, o.cap);
        break;
      case "lpush":
        args.push("l", k(o.key), o.value, o.cap);
        break;
      case "stouch":
        args.push("t", k(o.key), o.item, o.type, o.step, o.cap);
        break;
      case "expire":
        args.push("e", k(o.key), o.seconds);
        break;
      case "sadd":
        args.push("a", k(o.key), o.member);
        break;
      case "srem":
        args.push("r", k(o.key), o.member);
        break;
      case "hdel":
        args.push("d", k(o.key), o.field);
        break;
      case "zrem":
        args.push("y", k(o.key), o.member);
        break;
      case "guard":
        args.push("g", k(o.key), o.member, o.now, o.ttlMs, o.cap);
        break;
    }
  }
  return { keys, args };
}
