import type { Metrics } from "@gatehouse/service";
import { PRUNE_JOB } from "./engine/retention.js";
import { WORKFLOW_STATES, type WorkflowState } from "./engine/types.js";

/** What the gauges read at scrape time, wired once the engine and the store exist. */
export interface GaugeSources {
  countInState(state: WorkflowState): Promise<number>;
  countDue(): Promise<number>;
  inFlight(): number;
}

/** The orchestrator's metrics (names get the gatehouse_orchestrator_ prefix). */
export function orchestratorMetrics(metrics: Metrics) {
  const sources: GaugeSources = { countInState: async () => 0, countDue: async () => 0, inFlight: () => 0 };
  metrics.gauge("workflows", "Workflows by state", ["state"], async function () {
    for (const state of WORKFLOW_STATES) this.set({ state }, await sources.countInState(state));
  });
  metrics.gauge("workflows_due", "Workflows due to run now", [], async function () {
    this.set(await sources.countDue());
  });
  metrics.gauge("workflows_in_flight", "Workflows this replica is executing", [], function () {
    this.set(sources.inFlight());
  });
  return {
    transactions: metrics.counter("transactions_total", "Transactions by lifecycle event", ["event"]),
    evidenceOperations: metrics.counter("evidence_operations_total", "Evidence store operations by outcome (ok or an error code)", [
      "store",
      "operation",
      "outcome",
    ]),
    transitions: metrics.counter("workflow_transitions_total", "Committed workflow transitions", ["type", "state"]),
    steps: metrics.counter("workflow_steps_total", "Step executions by outcome", ["step", "outcome"]),
    eventsPublished: metrics.counter("workflow_events_total", "WorkflowEvent publishes by outcome", ["outcome"]),
    created: metrics.counter("workflows_created_total", "Workflows created through the API", ["type"]),
    requests: metrics.histogram("api_request_duration_seconds", "REST API request latency", { labelNames: ["route", "status"] }),
    pruned: metrics.counter("workflows_pruned_total", `Finished workflows deleted by the ${PRUNE_JOB} job`),
    /** Wires the gauges that read live state. */
    observe(live: GaugeSources): void {
      Object.assign(sources, live);
    },
  };
}

export type OrchestratorMetrics = ReturnType<typeof orchestratorMetrics>;
