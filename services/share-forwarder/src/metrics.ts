import type { Metrics } from "@gatehouse/service";

/** The forwarder's metrics (names get the gatehouse_share_forwarder_ prefix). */
export function forwarderMetrics(metrics: Metrics) {
  const gauges = {
    inFlight: () => 0,
    waiting: () => 0,
    queued: async () => 0,
  };
  metrics.gauge("in_flight_requests", "Upstream requests in flight on this replica", [], function () {
    this.set(gauges.inFlight());
  });
  metrics.gauge("waiting_shares", "Delivered shares waiting for an in-flight slot on this replica", [], function () {
    this.set(gauges.waiting());
  });
  metrics.gauge("queue_depth_shares", "Shares in the SHARES forward queue (all replicas)", [], async function () {
    try {
      this.set(await gauges.queued());
    } catch {
      // The bus is down: leave the last value rather than fail the scrape.
    }
  });
  return {
    results: metrics.counter("results_total", "Forward results recorded, by reason code (none = accepted)", ["reason_code", "forwarded"]),
    retries: metrics.counter("retries_total", "Upstream attempts beyond the first, for shares with a final result"),
    upstreamRequests: metrics.counter("upstream_requests_total", "Upstream POST attempts by outcome", ["outcome"]),
    upstreamSeconds: metrics.histogram("upstream_request_seconds", "Duration of one upstream POST attempt"),
    forwardSeconds: metrics.histogram("forward_seconds", "From delivery to this replica to the recorded result"),
    ignored: metrics.counter("deliveries_ignored_total", "Deliveries settled without a new result, by why", ["why"]),
    upstreamReachable: metrics.gauge("upstream_reachable", "1 while the share upstream answers, 0 while it is unreachable"),
    /** Wires the gauges that read live state. */
    observe(sources: typeof gauges): void {
      Object.assign(gauges, sources);
    },
  };
}

/** The forwarder's metrics, as `forwarderMetrics` registers them. */
export type ForwarderMetrics = ReturnType<typeof forwarderMetrics>;
