import type { Counter, Metrics } from "@gatehouse/service";
import type { Sv2TdpSource } from "./source/sv2-tdp.js";

/**
 * The verifier's own counters (names without the gatehouse_template_verifier_ prefix); the Verifier and
 * the BlockSubmitter define the verdict and block counters they alone count.
 */
export interface VerifierMetrics {
  policyReloads: Counter;
  proposalsPublished: Counter;
  publishFailures: Counter;
  transactionReads: Counter;
  mempoolPolls: Counter;
  heartbeats: Counter;
}

export function verifierMetrics(m: Metrics): VerifierMetrics {
  return {
    policyReloads: m.counter("policy_reloads_total", "Policy loads by outcome", ["outcome"]),
    proposalsPublished: m.counter("proposals_published_total", "Template proposals published by this verifier's sources", ["source"]),
    publishFailures: m.counter(
      "proposal_publish_failures_total",
      "Template proposals (or their transactions) the bus refused; the source fetches and publishes again",
      ["source"],
    ),
    transactionReads: m.counter("template_transactions_reads_total", "Reads of template transactions from the object store", ["outcome"]),
    mempoolPolls: m.counter("mempool_polls_total", "Mempool polls by outcome", ["outcome"]),
    heartbeats: m.counter("heartbeats_sent_total", "VerifierHeartbeat messages published"),
  };
}

/** Read at scrape time from the SV2 Template Provider source. */
export function tdpGauge(m: Metrics, source: Sv2TdpSource): void {
  m.gauge("tdp_failed_sessions", "Template Provider sessions that ended in an error since start", [], function () {
    this.set(source.connectionFailures);
  });
}
