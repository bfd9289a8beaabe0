import type { Op } from "./ops.ts";
import type { ReadOp, ReadValue, Store } from "./store.ts";

/**
 * Reads that carry their own parser. A plan's parser is handed the values of exactly its
 * own reads (from `at` on), and a composed plan hands each part the offset its place
 * gives it: a read added to one part shifts nothing another part sees, so no value is
 * ever picked out of the reply by a position counted by hand.
 */
export interface ReadPlan<T> {
  readonly reads: readonly ReadOp[];
  /** The plan's value from the store's answer, its first read's value at `values[at]`. */
  parse(values: readonly ReadValue[], at: number): T;
}

export type PlanValue<P> = P extends ReadPlan<infer T> ? T : never;

/** One read and its parser (a class: a rescore builds one per candidate). */
class One<T> implements ReadPlan<T> {
  readonly reads: readonly ReadOp[];
  constructor(
    op: ReadOp,
    private readonly of: (v: ReadValue | undefined) => T,
  ) {
    this.reads = [op];
  }
  parse(values: readonly ReadValue[], at: number): T {
    return this.of(values[at]);
  }
}

function one<T>(op: ReadOp, parse: (v: ReadValue | undefined) => T): ReadPlan<T> {
  return new One(op, parse);
}

/** A hash, whole (`{}` when missing). */
export const hgetall = (key: string): ReadPlan<Record<string, string>> =>
  one({ op: "hgetall", key }, (v) => (v ?? {}) as Record<string, string>);

/** Some fields of a hash, in field order (null for a missing field or key). */
export const hmget = (key: string, fields: readonly string[]): ReadPlan<(string | null)[]> =>
  one({ op: "hmget", key, fields }, (v) => (v ?? []) as (string | null)[]);

/** The same fields of several hashes, one HMGET each, in key order. */
export function hmgetEach(
  keys: readonly string[],
  fields: readonly string[],
): ReadPlan<(string | null)[][]> {
  const reads: ReadOp[] = keys.map((key) => ({ op: "hmget", key, fields }));
  return {
    reads,
    parse: (values, at) => {
      const out = new Array<(string | null)[]>(reads.length);
      for (let i = 0; i < reads.length; i++) out[i] = (values[at + i] ?? []) as (string | null)[];
      return out;
    },
  };
}

/** Scores of members of a sorted set, in member order (null when absent). */
export const zmscore = (key: string, members: readonly string[]): ReadPlan<(number | null)[]> =>
  one({ op: "zmscore", key, members }, (v) => (v ?? []) as (number | null)[]);

/** The `n` highest-scored members with their scores, best first. */
export const ztop = (key: string, n: number): ReadPlan<[string, number][]> =>
  one({ op: "ztop", key, n }, (v) => (v ?? []) as [string, number][]);

/** The `n` newest entries of a list (head first). */
export const lrange = (key: string, n: number): ReadPlan<string[]> =>
  one({ op: "lrange", key, n }, (v) => (v ?? []) as string[]);

/** Whether each member is in the set, in member order. */
export const smismember = (key: string, members: readonly string[]): ReadPlan<boolean[]> =>
  one({ op: "smismember", key, members }, (v) => (v ?? []) as boolean[]);

/** Number of members of a set. */
export const scard = (key: string): ReadPlan<number> =>
  one({ op: "scard", key }, (v) => Number(v ?? 0));

/** Up to `n` distinct members of a set. */
export const srandmember = (key: string, n: number): ReadPlan<string[]> =>
  one({ op: "srandmember", key, n }, (v) => (v ?? []) as string[]);

/** A value known without reading anything. */
export function constant<T>(value: T): ReadPlan<T> {
  return { reads: [], parse: () => value };
}

/** The plan's value, transformed. */
export function map<T, U>(plan: ReadPlan<T>, f: (value: T) => U): ReadPlan<U> {
  return { reads: plan.reads, parse: (values, at) => f(plan.parse(values, at)) };
}

/** Every plan's value, in order. */
export function all<T>(plans: readonly ReadPlan<T>[]): ReadPlan<T[]> {
  const reads: ReadOp[] = [];
  const offsets: number[] = [];
  for (const p of plans) {
    offsets.push(reads.length);
    for (const r of p.reads) reads.push(r);
  }
  return {
    reads,
    parse: (values, at) => {
      const out = new Array<T>(plans.length);
      for (let i = 0; i < plans.length; i++) out[i] = plans[i]!.parse(values, at + offsets[i]!);
      return out;
    },
  };
}

/** Several plans as one, their values by name. */
export function struct<P extends Record<string, ReadPlan<unknown>>>(
  plans: P,
): ReadPlan<{ [K in keyof P]: PlanValue<P[K]> }> {
  const names = Object.keys(plans);
  const parts = all(names.map((n) => plans[n]!));
  return map(parts, (values) => {
    const out: Record<string, unknown> = {};
    names.forEach((n, i) => {
      out[n] = values[i];
    });
    return out as { [K in keyof P]: PlanValue<P[K]> };
  });
}

/**
 * Runs a plan in one round trip; with `ops`, they are applied atomically first and the
 * reads see them.
 */
export async function runPlan<T>(
  store: Pick<Store, "read" | "applyAndRead">,
  plan: ReadPlan<T>,
  ops: readonly Op[] = [],
): Promise<T> {
  if (ops.length === 0 && plan.reads.length === 0) return plan.parse([], 0);
  const values =
    ops.length > 0 ? await store.applyAndRead(ops, plan.reads) : await store.read(plan.reads);
  if (values.length !== plan.reads.length)
    throw new Error(`store answered ${values.length} reads of ${plan.reads.length}`);
  return plan.parse(values, 0);
}
