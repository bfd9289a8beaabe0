/**
 * Item properties as the catalogue indexes them, and their MinHash signatures.
 *
 * A property is free text ("Free WiFi (Rooms)"); it is indexed in its normalised form
 * (trimmed, inner whitespace collapsed, lower case), so "free wifi (rooms)" in a filter
 * finds it. A signature is a b-bit MinHash of the normalised set: SIG_SLOTS slots of 16
 * bits (the low bits of each minimum), 128 bytes as base64url, from which the Jaccard
 * similarity of two items is estimated as the share of equal slots (standard error at most
 * 0.5 / sqrt(SIG_SLOTS) = 0.0625; chance agreement of 16-bit slots adds about 1.5e-5).
 */
export const SIG_SLOTS = 64;

export function normalizeProperty(p: string): string {
  return p.trim().replace(/\s+/g, " ").toLowerCase();
}

/** FNV-1a 32-bit over UTF-16 code units, then a murmur3 finaliser for avalanche. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Slot i hashes x as (A[i] * x + B[i]) mod 2^32, A odd: fixed, so signatures are stable. */
const A = new Uint32Array(SIG_SLOTS);
const B = new Uint32Array(SIG_SLOTS);
for (let i = 0; i < SIG_SLOTS; i++) {
  A[i] = (hash32(`a${i}`, 0x9e3779b9) | 1) >>> 0;
  B[i] = hash32(`b${i}`, 0x85ebca6b);
}

/** MinHash signature of a set of (normalised) properties; undefined for an empty set. */
export function signature(normalized: Iterable<string>): string | undefined {
  const min = new Uint32Array(SIG_SLOTS).fill(0xffffffff);
  let any = false;
  for (const p of normalized) {
    any = true;
    const x = hash32(p);
    for (let i = 0; i < SIG_SLOTS; i++) {
      const v = (Math.imul(A[i]!, x) + B[i]!) >>> 0;
      if (v < min[i]!) min[i] = v;
    }
  }
  if (!any) return undefined;
  const bytes = Buffer.alloc(SIG_SLOTS * 2);
  for (let i = 0; i < SIG_SLOTS; i++) bytes.writeUInt16LE(min[i]! & 0xffff, i * 2);
  return bytes.toString("base64url");
}

/** Decoded signature slots, or undefined for a missing or malformed one. */
export function decodeSignature(sig: string | null | undefined): Uint16Array | undefined {
  if (!sig) return undefined;
  const bytes = Buffer.from(sig, "base64url");
  if (bytes.length !== SIG_SLOTS * 2) return undefined;
  const out = new Uint16Array(SIG_SLOTS);
  for (let i = 0; i < SIG_SLOTS; i++) out[i] = bytes.readUInt16LE(i * 2);
  return out;
}

/** Estimated Jaccard similarity of the two sets behind the signatures. */
export function similarity(a: Uint16Array, b: Uint16Array): number {
  let same = 0;
  for (let i = 0; i < SIG_SLOTS; i++) if (a[i] === b[i]) same++;
  return same / SIG_SLOTS;
}

/** Exact Jaccard similarity of two sets (for tests and the estimate's check). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
