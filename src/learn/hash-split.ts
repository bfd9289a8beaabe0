import { createHash } from "node:crypto";

/**
 * A deterministic split by key (a user or session id): the same key always lands on the
 * same side for a given seed, so a user's sessions never straddle train and test.
 */
export function inTestSplit(key: string, testFraction: number, seed: number): boolean {
  const h = createHash("sha1").update(`${seed}:${key}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000 < testFraction;
}
