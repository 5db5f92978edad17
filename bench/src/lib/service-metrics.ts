// What a service under test says about a stretch of a benchmark, from its own /metrics: a latency
// histogram's percentiles, its event-loop lag and its GC time. Set beside what the load generator
// measured, this tells the service's stalls from the load generator's.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { EVENT_LOOP_SAMPLE_MS } from "@gatehouse/service";
import { BenchError } from "./errors.js";
import { nowMs } from "./stats.js";

/** One scrape of a service's /metrics: every sample by its name and labels (`name{labels}`). */
export type Scrape = Map<string, number>;

export async function scrapeMetrics(opsUrl: string): Promise<Scrape> {
  const res = await fetch(`${opsUrl}/metrics`);
  if (!res.ok) throw new BenchError(`${opsUrl}/metrics answered ${res.status}`);
  const samples: Scrape = new Map();
  for (const line of (await res.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/**
 * The upper bound, in ms, of the histogram bucket holding the q-quantile of what `histogram`
 * observed between two scrapes (Prometheus's cumulative `_bucket{le=...}` counts); null when nothing
 * was observed. A bound, not a value: the bucket's width is the precision.
 */
export function bucketQuantileMs(before: Scrape, after: Scrape, histogram: string, q: number): number | null {
  const bounds: { le: number; count: number }[] = [];
  const prefix = `${histogram}_bucket{le="`;
  for (const [key, value] of after) {
    if (!key.startsWith(prefix)) continue;
    const le = key.slice(prefix.length, key.indexOf('"', prefix.length));
    bounds.push({ le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: value - (before.get(key) ?? 0) });
  }
  bounds.sort((a, b) => a.le - b.le);
  const total = bounds.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const bucket = bounds.find((b) => b.count >= q * total);
  return bucket && Number.isFinite(bucket.le) ? bucket.le * 1000 : null;
}

/** The change of every sample whose key starts with `name` (e.g. a histogram's `_sum` over its labels). */
export function increase(before: Scrape, after: Scrape, name: string): number {
  let sum = 0;
  for (const [key, value] of after) if (key.startsWith(name)) sum += value - (before.get(key) ?? 0);
  return sum;
}

/** How many collections of one kind (prom-client's `kind` label) a stretch had, and their summed pauses. */
function gcOfKind(before: Scrape, after: Scrape, prefix: string, kind: "major" | "minor"): { count: number; pauseMs: number } {
  return {
    count: increase(before, after, `${prefix}nodejs_gc_duration_seconds_count{kind="${kind}"}`),
    pauseMs: Number((increase(before, after, `${prefix}nodejs_gc_duration_seconds_sum{kind="${kind}"}`) * 1000).toFixed(1)),
  };
}

/** The period of this process's own event-loop delay timer (`monitorEventLoopDelay`'s resolution). */
const BENCH_LOOP_SAMPLE_MS = 1;

/** Where a stretch's latency tail can come from, and the two scrapes that bracket it. */
export interface Stalls {
  /**
   * The service's event-loop stalls: its lag gauges (which restart at each scrape) less the period
   * of the timer they read, so an idle loop reads about 0.
   */
  serviceEventLoopLagMs: { p99: number; max: number };
  /** Milliseconds of garbage collection per second in the service. */
  serviceGcMsPerSecond: number;
  /**
   * The service's full (mark-compact) collections in the stretch and their pauses: each one stalls
   * everything the service is answering for tens of milliseconds, so a stretch's p99 is often
   * whether one fell in it.
   */
  serviceMarkCompacts: { count: number; pauseMs: number };
  /**
   * The service's young-generation scavenges in the stretch and their summed pauses: each one is
   * shorter but they are many, and what survives two of them is promoted to the old generation,
   * which is what brings the next mark-compact.
   */
  serviceScavenges: { count: number; pauseMs: number };
  /**
   * The event-loop delay of this (the benchmark's) process beyond its 1 ms sampling timer: a stall
   * here delays reading answers.
   */
  benchEventLoopDelayMs: { p99: number; max: number };
  before: Scrape;
  after: Scrape;
}

/**
 * Starts watching a stretch of a benchmark: the service's own event-loop lag and GC time from its
 * /metrics (`prefix` is its metric name prefix, e.g. `gatehouse_miner_edge_`) and this process's
 * event-loop delay. Returns the function that ends the stretch.
 */
export async function watchStalls(opsUrl: string, prefix: string): Promise<() => Promise<Stalls>> {
  const benchLoop = monitorEventLoopDelay({ resolution: BENCH_LOOP_SAMPLE_MS });
  benchLoop.enable();
  const before = await scrapeMetrics(opsUrl);
  const startedAt = nowMs();
  return async () => {
    benchLoop.disable();
    const after = await scrapeMetrics(opsUrl);
    const seconds = (nowMs() - startedAt) / 1000;
    const stallMs = (key: string) =>
      Math.max(0, Number(((after.get(`${prefix}${key}`) ?? Number.NaN) * 1000 - EVENT_LOOP_SAMPLE_MS).toFixed(1)));
    const benchStallMs = (ns: number) => Math.max(0, Number((ns / 1e6 - BENCH_LOOP_SAMPLE_MS).toFixed(1)));
    return {
      serviceEventLoopLagMs: { p99: stallMs("nodejs_eventloop_lag_p99_seconds"), max: stallMs("nodejs_eventloop_lag_max_seconds") },
      serviceGcMsPerSecond: Math.round((increase(before, after, `${prefix}nodejs_gc_duration_seconds_sum`) * 1000) / seconds),
      serviceMarkCompacts: gcOfKind(before, after, prefix, "major"),
      serviceScavenges: gcOfKind(before, after, prefix, "minor"),
      benchEventLoopDelayMs: { p99: benchStallMs(benchLoop.percentile(99)), max: benchStallMs(benchLoop.max) },
      before,
      after,
    };
  };
}
