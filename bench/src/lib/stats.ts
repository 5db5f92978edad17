import { cpuUsage, hrtime } from "node:process";

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles of `samples` (any unit), nearest-rank. */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] as number,
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

export interface Throughput {
  operations: number;
  seconds: number;
  perSecond: number;
  /** CPU seconds this process used, and per operation in microseconds. */
  cpuSeconds: number;
  cpuMicrosPerOp: number;
}

/** Runs `body` once and reports wall-clock throughput and this process's CPU time. */
export async function throughput(operations: number, body: () => Promise<void> | void): Promise<Throughput> {
  const cpu = cpuUsage();
  const start = hrtime.bigint();
  await body();
  const seconds = Number(hrtime.bigint() - start) / 1e9;
  const used = cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { operations, seconds, perSecond: operations / seconds, cpuSeconds, cpuMicrosPerOp: (cpuSeconds * 1e6) / operations };
}

/** Nanosecond clock in milliseconds, for latency samples. */
export function nowMs(): number {
  return Number(hrtime.bigint()) / 1e6;
}
