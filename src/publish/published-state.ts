import { createHash } from "node:crypto";
import { SESSION_FIELDS as F } from "../domain/session-fields.ts";

/**
 * Fields of the session's state hash that number what was pushed: the ranked list's
 * version and order digest, and the "seen items changed" notices' version and digest.
 * They live in the state hash rather than in keys of their own: two keys per session
 * cost more in key overhead and TTL entries than the four short fields.
 */
export const PUBLISHED = { version: F.publishedVersion, order: F.publishedOrder } as const;
export const SEEN = { version: F.seenVersion, order: F.seenOrder } as const;

/** A 96-bit digest of ids in order: 16 characters whatever the number of ids. */
export function idsDigest(ids: Iterable<string>): string {
  const h = createHash("sha1");
  for (const id of ids) h.update(id).update("|");
  return h.digest("base64url").slice(0, 16);
}
