// What a service under test says about a stretch of a benchmark, from its own /metrics: a latency
// histogram's percentiles, its event-loop lag and its GC time. Set beside what the load generator
// measured, this tells the service's stalls from the load generator's.
import { BenchError } from "./errors.js";

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
