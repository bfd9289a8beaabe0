import { keyIndex } from "./key-index.ts";
import { packFields } from "./pack-fields.ts";
import type { ReadOp } from "./store.ts";

/** Lists go as one NUL-joined argument; the same list object is joined once. */
const joinedCache = new WeakMap<readonly string[], string>();
function joined(list: readonly string[]): string {
  let s = joinedCache.get(list);
  if (s === undefined) {
    s = list.join("\0");
    joinedCache.set(list, s);
  }
  return s;
}

/**
 * Turns reads into the KEYS and ARGV of lua/read-many.lua: each key once, reads by index,
 * the stream packed into one string (pack-fields.ts). Reads that ask for nothing (no
 * fields, no members, n <= 0) are left out; the caller answers them itself, as the
 * pipeline path does.
 */
export function encodeReads(
  reads: readonly ReadOp[],
  isEmpty: (r: ReadOp) => boolean,
): { keys: string[]; args: (string | number)[] } {
  const { keys, of: k } = keyIndex();
  const args: (string | number)[] = [];
  for (const r of reads) {
    if (isEmpty(r)) continue;
    switch (r.op) {
      case "hgetall":
        args.push("H", k(r.key));
        break;
      case "hmget":
        args.push("M", k(r.key), joined(r.fields));
        break;
      case "zmscore":
        args.push("Z", k(r.key), joined(r.members));
        break;
      case "smismember":
        args.push("S", k(r.key), joined(r.members));
        break;
      case "ztop":
        args.push("T", k(r.key), r.n);
        break;
      case "lrange":
        args.push("L", k(r.key), r.n);
        break;
      case "scard":
        args.push("C", k(r.key));
        break;
      case "srandmember":
        args.push("R", k(r.key), r.n);
        break;
    }
  }
  return { keys, args: packFields(args) };
}
