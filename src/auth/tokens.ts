import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Session tokens for browsers: `st1.<payload>.<signature>`, both base64url. The payload is
 * `{"s":<sessionId>,"exp":<epoch seconds>}`; the signature is HMAC-SHA256 of
 * `st1.<payload>` with SESSION_TOKEN_SECRET. A token lets its holder read, subscribe to and
 * send events for its one session until it expires; it cannot be widened or extended
 * without the secret.
 */
const PREFIX = "st1";

export interface SessionTokenClaims {
  sessionId: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: SessionTokenClaims } | { ok: false; reason: string };

function sign(secret: string, body: string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

export function mintSessionToken(
  secret: string,
  sessionId: string,
  expiresAtSeconds: number,
): string {
  const payload = Buffer.from(JSON.stringify({ s: sessionId, exp: expiresAtSeconds })).toString(
    "base64url",
  );
  const body = `${PREFIX}.${payload}`;
  return `${body}.${sign(secret, body).toString("base64url")}`;
}

export function isSessionTokenShaped(value: string): boolean {
  return value.startsWith(`${PREFIX}.`);
}

export function verifySessionToken(secret: string, token: string, nowMs: number): TokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX)
    return { ok: false, reason: "malformed session token" };
  const given = Buffer.from(parts[2]!, "base64url");
  const want = sign(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return { ok: false, reason: "session token signature does not match" };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed session token" };
  }
  const { s, exp } = (claims ?? {}) as { s?: unknown; exp?: unknown };
  if (typeof s !== "string" || typeof exp !== "number")
    return { ok: false, reason: "malformed session token" };
  if (exp * 1000 <= nowMs) return { ok: false, reason: "session token expired" };
  return { ok: true, claims: { sessionId: s, exp } };
}
