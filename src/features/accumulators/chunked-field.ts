import type { Op } from "../../state/ops.ts";

/**
 * Long values of the session's state hash (the shown list, its prices, the filters) are
 * stored as pieces of at most 64 characters: Redis keeps a hash compact (listpack) only
 * while every value is at most `hash-max-listpack-value` bytes, 64 by default. One list of
 * 25 ids would otherwise turn the whole hash into a hashtable and double its size. Piece 0
 * is the field itself; piece i is `<field>.<i>`; `<field>.n` holds the count when above 1.
 */
export const PIECE = 64;

function pieces(value: string): string[] {
  if (value.length <= PIECE) return [value];
  const out: string[] = [];
  for (let i = 0; i < value.length; i += PIECE) out.push(value.slice(i, i + PIECE));
  return out;
}

function countOf(state: Readonly<Record<string, string>>, field: string): number {
  return Number(state[`${field}.n`] ?? 1);
}

/** The writes that store `value` in `field` of hash `key`, given the hash before them. */
export function chunkedWrites(
  key: string,
  field: string,
  value: string,
  before: Readonly<Record<string, string>>,
): Op[] {
  const parts = pieces(value);
  const ops: Op[] = parts.map((v, i) => ({
    op: "hset",
    key,
    field: i === 0 ? field : `${field}.${i}`,
    value: v,
  }));
  const old = countOf(before, field);
  if (parts.length > 1)
    ops.push({ op: "hset", key, field: `${field}.n`, value: String(parts.length) });
  else if (old > 1) ops.push({ op: "hdel", key, field: `${field}.n` });
  // Pieces the shorter new value no longer covers.
  for (let i = parts.length; i < old; i++) ops.push({ op: "hdel", key, field: `${field}.${i}` });
  return ops;
}

/** The value of a chunked field (undefined when the field is absent). */
export function chunkedValue(
  state: Readonly<Record<string, string>>,
  field: string,
): string | undefined {
  const first = state[field];
  if (first === undefined) return undefined;
  const n = countOf(state, field);
  if (n <= 1) return first;
  let out = first;
  for (let i = 1; i < n; i++) out += state[`${field}.${i}`] ?? "";
  return out;
}

/** Whether a chunked field holds the same pieces in both hashes (so the same value). */
export function sameChunked(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
  field: string,
): boolean {
  if (a[field] !== b[field]) return false;
  const n = countOf(a, field);
  if (n !== countOf(b, field)) return false;
  for (let i = 1; i < n; i++) if (a[`${field}.${i}`] !== b[`${field}.${i}`]) return false;
  return true;
}
