import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The metric handles a service keeps (what `Metrics.counter`, `gauge` and `histogram` return). */
export type { Counter, Gauge, Histogram };

/** Latency buckets in seconds, from 100 µs to 10 s. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus registry. Every metric is named `gatehouse_<service>_<thing>_<unit>`;
 * counters end in `_total` exactly once. Names are checked when a metric is created.
 */
/** A metric name that breaks the naming rule (`gatehouse_<service>_<thing>_<unit>`, counters in `_total`). */
export class MetricNameError extends Error {
  override readonly name = "MetricNameError";
}

/**
 * The period of the timer behind the `nodejs_eventloop_lag_*` gauges (prom-client's default,
 * stated): each reading is the time between two of its ticks, so an idle loop reads about this
 * much and only what exceeds it is a stall.
 */
export const EVENT_LOOP_SAMPLE_MS = 10;

export class Metrics {
  readonly registry = new Registry();
  readonly prefix: string;

  constructor(service: string) {
    this.prefix = `gatehouse_${service.replace(/-/g, "_")}_`;
    collectDefaultMetrics({ register: this.registry, prefix: this.prefix, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // prom-client also exports three gauges named `*_total`, a suffix Prometheus reserves for
    // counters; their per-type siblings (nodejs_active_handles, ...) carry the same numbers.
    for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
      this.registry.removeSingleMetric(this.prefix + name);
    }
  }

  #name(name: string): string {
    if (name.startsWith("gatehouse_")) throw new MetricNameError(`metric ${name}: give the name without the gatehouse_<service>_ prefix`);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new MetricNameError(`metric ${name}: use lower snake case`);
    return this.prefix + name;
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    if (!name.endsWith("_total") || name.endsWith("_total_total"))
      throw new MetricNameError(`counter ${name} must end in _total exactly once`);
    return new Counter({ name: this.#name(name), help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    if (name.endsWith("_total")) throw new MetricNameError(`gauge ${name} must not end in _total`);
    return new Gauge({ name: this.#name(name), help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    options: { labelNames?: readonly L[]; buckets?: number[] } = {},
  ): Histogram<L> {
    if (!/_(seconds|bytes|ratio|messages|shares|items)$/.test(name)) throw new MetricNameError(`histogram ${name} must end in a unit`);
    return new Histogram({
      name: this.#name(name),
      help,
      labelNames: options.labelNames ?? [],
      buckets: options.buckets ?? LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
