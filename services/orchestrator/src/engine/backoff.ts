/**
 * Delay before retry `attempt` (1-based): base·2^(attempt−1), capped, with ±25 % jitter.
 * `random` is injectable so tests are deterministic.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exact = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(exact * (0.75 + random() * 0.5)));
}
