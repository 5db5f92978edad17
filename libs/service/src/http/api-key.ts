import { createHash, timingSafeEqual } from "node:crypto";

/** Constant-time comparison of a presented key with the configured one. */
export function apiKeyMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The key a request presents: `X-API-Key`, or `Authorization: Bearer <key>` for clients that can
 * only send standard credentials (a Prometheus ServiceMonitor's `authorization`).
 */
export function presentedKey(
  apiKeyHeader: string | string[] | undefined,
  authorization: string | string[] | undefined,
): string | undefined {
  const key = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
  if (key) return key;
  const auth = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return match?.[1];
}
