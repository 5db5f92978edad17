export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  retryAfterMaxMs: number;
}

/**
 * Delay before retry number `retry` (0 = the first retry): exponential with equal jitter —
 * half of min(max, base·2^retry) plus a random share of the other half — and never shorter than
 * the upstream's Retry-After (clamped to retryAfterMaxMs).
 */
export function retryDelayMs(
  retry: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  const backoff = ceiling / 2 + random() * (ceiling / 2);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.retryAfterMaxMs);
  return Math.round(Math.max(backoff, floor));
}

/** Retry-After as milliseconds from `nowMs`: delay-seconds or an HTTP-date; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
