/**
 * Separates the fields of a script's packed ARGV. Events cannot carry it (validation
 * rejects control characters in every id and text); a stream with any field holding it
 * goes unpacked.
 */
export const FIELD_SEPARATOR = "\x1f";

/**
 * A script's ARGV as one string, fields joined by FIELD_SEPARATOR (the scripts split it
 * when ARGV has a single entry), or as given when a field holds the separator. A batch's
 * apply call carries hundreds of fields and a rescore's reads about a hundred; ioredis'
 * work per argument (flattening, framing, writing each) cost about three times what one
 * joined string does (bench/batch-stages.ts, and the A/B in docs/benchmarks.md).
 */
export function packFields(args: (string | number)[]): (string | number)[] {
  for (const a of args) if (typeof a === "string" && a.includes(FIELD_SEPARATOR)) return args;
  return [args.join(FIELD_SEPARATOR)];
}
