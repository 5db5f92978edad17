import { type EdgeEvent, EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import { type Counter, type Histogram, LATENCY_BUCKETS, type Metrics } from "@gatehouse/service";

/** The edge's counters and histograms (names without the gatehouse_miner_edge_ prefix). */
export interface EdgeMetrics {
  events: Counter;
  shares: Counter;
  shareAck: Histogram;
  blocksFound: Counter;
  templates: Counter;
  verdicts: Counter;
  heartbeats: Counter;
  deadlineCloses: Counter;
  refused: Counter;
  channelBitDifferences: Counter;
}

/**
 * share_ack_seconds' buckets: the shared latency buckets, with 7.5, 15 and 20 ms added so a p99
 * read from them tells "within the 10 ms aim" from "just over it" (10 → 25 ms was one bucket).
 */
export const SHARE_ACK_BUCKETS = [...LATENCY_BUCKETS, 0.0075, 0.015, 0.02].sort((a, b) => a - b);

export function edgeMetrics(m: Metrics): EdgeMetrics {
  return {
    events: m.counter("events_total", "EdgeEvents recorded, by type and reason code", ["type", "reason"]),
    shares: m.counter("shares_total", "Share submissions answered, by result and reason code", ["result", "reason"]),
    shareAck: m.histogram("share_ack_seconds", "From a share's arrival to its answer (inline: after the JetStream PubAck)", {
      buckets: SHARE_ACK_BUCKETS,
    }),
    blocksFound: m.counter("blocks_found_total", "Shares that met the network target"),
    templates: m.counter("templates_received_total", "TemplateProposals received"),
    verdicts: m.counter("verdicts_received_total", "TemplateVerdicts received, by outcome", ["accepted"]),
    heartbeats: m.counter("verifier_heartbeats_total", "VerifierHeartbeat messages received"),
    deadlineCloses: m.counter(
      "deadline_closes_total",
      "Connections closed for a missed deadline: handshake, setup (SetupConnection), channel (first channel open), frame (frame completion)",
      ["deadline"],
    ),
    refused: m.counter(
      "connections_refused_total",
      "Connections refused before any SV2 byte, by limit: rate (new per IP per second), per_ip (open per IP), total (max_connections)",
      ["limit"],
    ),
    channelBitDifferences: m.counter(
      "channel_bit_differences_total",
      "Miner frames whose channel bit differs from the SV2 message table (accepted; the spec's examples and sv2-tp omit it), by message",
      ["message"],
    ),
  };
}

/** Gauges read at scrape time from the verifier link and the mode. */
export function verifierGauges(m: Metrics, state: { heartbeatAgeMs(): number | undefined; degraded(): boolean }): void {
  m.gauge("verifier_heartbeat_age_seconds", "Seconds since the last verifier heartbeat (-1 before the first)", [], function () {
    const age = state.heartbeatAgeMs();
    this.set(age === undefined ? -1 : age / 1000);
  });
  m.gauge("mode_degraded", "1 while inline mode is degraded to observe (verifier heartbeat lost)", [], function () {
    this.set(state.degraded() ? 1 : 0);
  });
}

/** Gauges read at scrape time from the listener and the sessions (not in shadow mode: no miners). */
export function servingGauges(m: Metrics, state: { connections(): number; channels(): number }): void {
  m.gauge("connections", "Open miner connections (including handshakes in progress)", [], function () {
    this.set(state.connections());
  });
  m.gauge("channels", "Open standard channels", [], function () {
    this.set(state.channels());
  });
}

type CounterChild = ReturnType<Counter["labels"]>;

/**
 * A two-label counter's children, each looked up once: prom-client's inc({...}) hashes the label
 * object (keys sorted) on every call, and the edge counts every share and every event.
 */
export class CounterChildren {
  readonly #children = new Map<string, CounterChild>();

  constructor(
    private readonly counter: Counter,
    private readonly names: readonly [string, string],
  ) {}

  inc(a: string, b: string): void {
    const key = `${a}\u0000${b}`;
    let child = this.#children.get(key);
    if (!child) {
      child = this.counter.labels({ [this.names[0]]: a, [this.names[1]]: b });
      this.#children.set(key, child);
    }
    child.inc();
  }
}

/** Counts recorded EdgeEvents (an EventLog sink) by type and reason code. */
export function eventCounter(metrics: EdgeMetrics): (event: EdgeEvent) => void {
  const children = new CounterChildren(metrics.events, ["type", "reason"]);
  return (event) => children.inc(EdgeEventType[event.type] ?? "", reasonLabel(event.reasonCode));
}

function reasonLabel(reason: GatewayReason): string {
  return reason === GatewayReason.GATEWAY_REASON_UNSPECIFIED ? "" : (GatewayReason[reason] ?? "");
}
