import type { Counter, Histogram, Metrics } from "@gatehouse/service";

/** The relay gateway's counters and histograms (names without the gatehouse_relay_gateway_ prefix). */
export interface RelayMetrics {
  requests: Counter;
  quorumLatency: Histogram;
  nodeResponses: Counter;
  dropped: Counter;
  sendFailures: Counter;
  httpResponses: Counter;
}

export function relayMetrics(metrics: Metrics): RelayMetrics {
  return {
    requests: metrics.counter("requests_total", "User requests by method and outcome", ["method", "outcome"]),
    quorumLatency: metrics.histogram("quorum_latency_seconds", "From intake to the agreed answer", { labelNames: ["method"] }),
    nodeResponses: metrics.counter("node_responses_total", "Node responses received, by node", ["node"]),
    dropped: metrics.counter("node_responses_dropped_total", "Node responses not counted, by reason", ["reason"]),
    sendFailures: metrics.counter("node_send_failures_total", "Fan-out sends that failed or timed out, by node", ["node"]),
    httpResponses: metrics.counter("http_responses_total", "JSON-RPC HTTP answers by status", ["status"]),
  };
}

/** The gauges that read live state: requests awaiting quorum and members that acknowledged recently. */
export function relayGauges(metrics: Metrics, sources: { activeRequests: () => number; reachableMembers: () => number }): void {
  metrics.gauge("active_requests", "Requests awaiting quorum", [], function () {
    this.set(sources.activeRequests());
  });
  metrics.gauge("reachable_members", "DON members that acknowledged recently", [], function () {
    this.set(sources.reachableMembers());
  });
}
