// The relay path's invariants after the run: every request got a verified quorum result or a
// well-formed JSON-RPC error within the gateway's deadline; a connection error only while the
// gateway replica it went to was down.
import type { PhaseRecord } from "./faults.js";
import type { RelayLoad } from "./relay.js";

export interface RelayCounts {
  sent: number;
  answered: number;
  jsonRpcErrors: number;
  errorsByKind: Record<string, number>;
  /** Refused or reset connections: only while the gateway was killed and restarting. */
  connectionErrors: number;
  violations: number;
  maxLatencyMs: number;
}

export function checkRelay(relay: RelayLoad, phases: readonly PhaseRecord[]): { counts: RelayCounts; violations: string[] } {
  const { tally } = relay;
  const violations = [...tally.violations];
  if (relay.violationCount > tally.violations.length) violations.push(`… and ${relay.violationCount - tally.violations.length} more`);
  for (const e of tally.connectionErrors) {
    const during = phases.some((p) => p.target === e.gateway && e.startedAt <= p.readyAt && e.endedAt >= p.killedAt);
    if (!during) {
      violations.push(
        `a request to ${e.gateway} from ${new Date(e.startedAt).toISOString()} to ${new Date(e.endedAt).toISOString()} lost its connection (${e.detail}) while it was up`,
      );
    }
  }
  const jsonRpcErrors = Object.values(tally.errors).reduce((a, b) => a + b, 0);
  const settled = tally.answered + jsonRpcErrors + tally.connectionErrors.length + relay.violationCount;
  if (settled !== tally.sent) violations.push(`${tally.sent} requests sent, ${settled} settled`);
  return {
    counts: {
      sent: tally.sent,
      answered: tally.answered,
      jsonRpcErrors,
      errorsByKind: { ...tally.errors },
      connectionErrors: tally.connectionErrors.length,
      violations: relay.violationCount,
      maxLatencyMs: tally.maxLatencyMs,
    },
    violations,
  };
}
