// The chaos run's stack and pace: `make dev`'s stack in test mode, in the production topology — a
// three-node JetStream cluster with every stream at R3 and two processes of every service (the
// four relay nodes are the DON) — without its own miners (the run's load generators are in
// process, to see every answer), with the timings a test may shorten so a kill costs seconds
// rather than the production defaults' minutes.
import type { Stack } from "@gatehouse/dev";
import { startTestStack } from "../support/stack.js";
import type { MiningLoadOptions } from "./mining.js";
import type { RelayLoadOptions } from "./relay.js";
import type { WorkflowLoadOptions } from "./workflows.js";

const mining: MiningLoadOptions = { connections: 4, rate: 0.4, worker: "dev.chaos" };

/** What the run stands on; printed in its summary. */
export const TOPOLOGY = { natsNodes: 3, streamReplicas: 3, serviceReplicas: 2 } as const;

export const TIMING = {
  /** About one and a half shares a second; at regtest difficulty each is a block. */
  mining,
  /** Four clients (two per gateway), each a request 50 ms after the last answer. */
  relay: { clients: 4, pauseMs: 50, graceMs: 5_000 } satisfies Omit<RelayLoadOptions, "gatewayTimeoutMs">,
  /** Three lanes of [worker, validator] anvil accounts; account 0 owns the contracts and closes epochs. */
  workflows: {
    lanes: [
      [1, 2],
      [3, 2],
      [2, 3],
    ],
    completionDeadlineMs: 180_000,
  } satisfies WorkflowLoadOptions,
  phase: { inFlightMs: 30_000, readyMs: 60_000, recoveryMs: 60_000 },
  drainMs: 60_000,
  /** Bound on the fifteen kills and the drain together. */
  runMs: 16 * 60_000,
};

export function startChaosStack(): Promise<Stack> {
  return startTestStack("chaos", {
    natsNodes: TOPOLOGY.natsNodes,
    streamReplicas: TOPOLOGY.streamReplicas,
    serviceReplicas: TOPOLOGY.serviceReplicas,
    miners: [],
    env: {
      // Vardiff aims at the rate the load submits, so the difficulty stays where every share is a block.
      "miner-edge": { GH_MINER_EDGE_SHARES_PER_MINUTE: String(mining.rate * 60) },
      // A share delivered to a forwarder killed before acknowledging it comes back after this.
      "share-forwarder": { GH_SHARE_FORWARDER_SHARE_FORWARD_ACK_WAIT_MS: "5000" },
      orchestrator: {
        // A killed orchestrator's leases and signer locks expire in seconds; retries and the
        // sweeper's resumption of STALLED workflows come quickly.
        GH_ORCHESTRATOR_ENGINE_LEASE_MS: "8000",
        GH_ORCHESTRATOR_CHAIN_SIGNER_LOCK_TTL_MS: "5000",
        GH_ORCHESTRATOR_ENGINE_SWEEP_INTERVAL_MS: "1000",
        GH_ORCHESTRATOR_ENGINE_STALL_RESUME_AFTER_MS: "2000",
        GH_ORCHESTRATOR_ENGINE_BACKOFF_BASE_MS: "250",
        GH_ORCHESTRATOR_ENGINE_BACKOFF_MAX_MS: "2000",
        // The clients are one address: the default 30 writes a minute is an agent's, not a load's.
        GH_ORCHESTRATOR_API_WRITES_PER_MINUTE: "6000",
      },
    },
  });
}

/** The relay gateway's whole-request deadline, as its dev.toml sets it. */
export function gatewayTimeoutMs(stack: Stack): number {
  const value = stack.config("relay-gateway").gateway_timeout_ms;
  if (typeof value !== "number") throw new Error("services/relay-gateway/config/dev.toml: gateway_timeout_ms must be set");
  return value;
}
