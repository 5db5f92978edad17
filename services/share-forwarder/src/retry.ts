import { backoffDelayMs } from "@gatehouse/service";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  retryAfterMaxMs: number;
}

/**
 * Delay before retry number `retry` (0 = the first retry): the shared exponential backoff with
 * equal jitter (`backoffDelayMs`), never shorter than the upstream's Retry-After (clamped to
 * retryAfterMaxMs).
 */
export function retryDelayMs(
  retry: number,
  policy: BackoffPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelayMs(retry, policy, random);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.retryAfterMaxMs);
  return Math.max(backoff, floor);
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
