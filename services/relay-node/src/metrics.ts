import type { Metrics } from "@gatehouse/service";

/** The relay node's metrics (names get the gatehouse_relay_node_ prefix). */
export function nodeMetrics(metrics: Metrics) {
  const gauges = { inFlight: () => 0 };
  const registered = {
    requests: metrics.counter("requests_total", "Relay requests by method and outcome", ["method", "outcome"]),
    duration: metrics.histogram("execution_seconds", "Time to execute and sign a request", { labelNames: ["method"] }),
    responseBatchSize: metrics.histogram("response_batch_items", "Responses per signed batch", { buckets: [1, 2, 4, 8, 16, 32] }),
    attestationChains: metrics.counter(
      "attestation_chains_total",
      "Nitro documents by how their certificate chain was checked: verified in full, or cached from an earlier document",
      ["outcome"],
    ),
  };
  metrics.gauge("in_flight_requests", "Requests executing", [], function () {
    this.set(gauges.inFlight());
  });
  return {
    ...registered,
    requestBatchSize: metrics.histogram("request_batch_items", "Requests per batch received", { buckets: [1, 2, 4, 8, 16, 32, 64, 128] }),
    /** Wires the gauge that reads live state. */
    observe(sources: typeof gauges): void {
      Object.assign(gauges, sources);
    },
  };
}

/** The relay node's metrics, as `nodeMetrics` registers them. */
export type NodeMetrics = ReturnType<typeof nodeMetrics>;
