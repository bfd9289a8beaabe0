import { randomBytes } from "node:crypto";

/** Same rule as config's REDIS_PREFIX. */
export const PREFIX_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** A fresh random key prefix, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(): string {
  const p = `t${randomBytes(8).toString("hex")}`;
  if (!PREFIX_PATTERN.test(p)) throw new Error(`bad test prefix ${p}`);
  return p;
}
