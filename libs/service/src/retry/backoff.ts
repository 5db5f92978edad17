/** How long to wait between attempts: exponential from `baseMs`, never more than `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * The one retry delay formula: before retry number `retry` (0 = the first retry) wait
 * min(maxMs, baseMs·2^retry) with equal jitter — half of it fixed, the other half random — so
 * retries spread out but never collapse to zero. `random` is passed in so tests are exact.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(retry, 52)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
