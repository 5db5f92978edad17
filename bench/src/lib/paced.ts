import { nowMs, type Percentiles, percentiles } from "./stats.js";

export interface PacedResult {
  targetPerSecond: number;
  achievedPerSecond: number;
  /** Latency from each operation's scheduled start, so a stall delays the ones behind it too (no coordinated omission). */
  latencyMs: Percentiles;
  failed: number;
}

/**
 * Open-loop load: starts `op` at `perSecond` for `seconds`, on schedule whether or not earlier
 * ones have finished, and measures each from the time it was due.
 */
export async function paced(perSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<PacedResult> {
  const total = Math.max(1, Math.round(perSecond * seconds));
  const interval = 1000 / perSecond;
  const start = nowMs();
  const latencies: number[] = [];
  let failed = 0;
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(
      op(i).then(
        () => void latencies.push(nowMs() - due),
        () => {
          failed += 1;
        },
      ),
    );
  }
  await Promise.all(running);
  return {
    targetPerSecond: perSecond,
    achievedPerSecond: latencies.length / ((nowMs() - start) / 1000),
    latencyMs: percentiles(latencies),
    failed,
  };
}

/** The fractions of a measured saturation rate the latency-under-load views run at. */
export const LOAD_FRACTIONS = [0.25, 0.5, 0.9] as const;
