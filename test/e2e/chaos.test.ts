// Journey 5, chaos, in the production topology: the whole stack as `make dev` starts it (test
// mode: free ports, its own namespace) on a private three-node JetStream cluster with every stream
// at R3 and two processes of every service, under a steady load on all three paths at once — SV2
// miners, JSON-RPC clients of the relay, SDK clients running workflows — while each service
// replica and relay node in turn, and the NATS node leading SHARES once, is killed with SIGKILL
// and started again. Afterwards, with the load stopped and the system drained: no acknowledged
// share lost or forwarded twice, one BlockResult per block, every relay request answered or failed
// cleanly, every workflow completed with each transaction once and contiguous nonces. The counts
// are printed as one JSON line (`[chaos] {...}`). Needs `make build`.
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { checkBlocks } from "./chaos/blocks-check.js";
import { chaosSchedule, type Paths, type PhaseRecord, runPhase, sharesLeader } from "./chaos/faults.js";
import { MiningLoad, SHARE_NOT_STORED } from "./chaos/mining.js";
import { RelayLoad } from "./chaos/relay.js";
import { checkRelay } from "./chaos/relay-check.js";
import { checkShares } from "./chaos/shares-check.js";
import { gatewayTimeoutMs, startChaosStack, TIMING, TOPOLOGY } from "./chaos/stack.js";
import { WorkflowLoad } from "./chaos/workflows.js";
import { checkWorkflows } from "./chaos/workflows-check.js";
import { catalogOf, connectBus } from "./support/stack.js";

let stack: Stack | undefined;
let bus: Bus | undefined;
let loads: { mining: MiningLoad; relay: RelayLoad; workflows: WorkflowLoad } | undefined;
const phases: PhaseRecord[] = [];
const summary: Record<string, unknown> = { ...TOPOLOGY };
const startedAt = Date.now();

const running = () => {
  if (!stack || !bus || !loads) throw new Error("the stack or its load did not start");
  return { stack, bus, ...loads };
};

beforeAll(async () => {
  stack = await startChaosStack();
  bus = await connectBus(stack, "e2e-chaos");
  const relay = await RelayLoad.start(stack, { ...TIMING.relay, gatewayTimeoutMs: gatewayTimeoutMs(stack) });
  loads = { mining: new MiningLoad(stack, bus, TIMING.mining), relay, workflows: new WorkflowLoad(stack, bus, TIMING.workflows) };
  summary.startupMs = stack.startupMs;
}, 240_000);

afterAll(async () => {
  summary.wallTimeMs = Date.now() - startedAt;
  process.stdout.write(`[chaos] ${JSON.stringify(summary)}\n`);
  await Promise.allSettled([loads?.mining.stop(), loads?.relay.stop(), loads?.workflows.stop()]);
  await bus?.close();
  await stack?.stop();
}, 120_000);

describe("journey 5: chaos — kill -9 of every service replica in turn, and the stream leader's NATS node, under load on all three paths", () => {
  it(
    "recovers from each kill: the killed component is ready again and every path flows",
    async () => {
      const { stack, mining, relay, workflows } = running();
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      const paths: Paths = {
        mining: mining.acks,
        miningInFlight: (edge) => mining.inFlight(edge),
        relay: relay.answers,
        relayInFlight: (gateway) => (gateway === undefined ? relay.inFlight : (relay.inFlightAt.get(gateway) ?? 0)),
        workflows: workflows.completions,
        broadcasts: workflows.broadcasts,
        snapshot: () => ({
          sharesAcknowledged: mining.acks.count,
          sharesRejected: sum(mining.rejected),
          sharesNotStored: mining.rejected[SHARE_NOT_STORED] ?? 0,
          relayAnswered: relay.tally.answered,
          relayJsonRpcErrors: sum(relay.tally.errors),
          relayConnectionErrors: relay.tally.connectionErrors.length,
          workflowsCompleted: workflows.completions.count,
          workflowClientErrors: sum(workflows.clientErrors),
        }),
      };
      // Steady load first: each path has delivered before anything is killed.
      const loadedFrom = Date.now();
      await Promise.all([
        mining.acks.after(0, TIMING.phase.recoveryMs),
        relay.answers.after(0, TIMING.phase.recoveryMs),
        workflows.completions.after(0, TIMING.phase.recoveryMs * 2),
      ]);
      summary.loadSteadyAfterMs = Date.now() - loadedFrom;

      const services = stack.names.filter((name) => stack.endpoints(name).ops !== undefined);
      const jsm = await running().bus.jsm();
      const shares = catalogOf(stack).SHARES.name;
      const info = await jsm.streams.info(shares);
      expect(info.config.num_replicas).toBe(TOPOLOGY.streamReplicas);
      const schedule = chaosSchedule(stack);
      for (const fault of schedule) {
        phases.push(await runPhase(stack, fault, paths, services, TIMING.phase, () => sharesLeader(stack, shares, jsm)));
      }
      summary.phases = phases.map(({ target, downMs, recoveryMs, during, longestPauseMs }) => ({
        target,
        downMs,
        recoveryMs,
        during,
        longestPauseMs,
      }));
      expect(phases.map((p) => p.fault)).toEqual(schedule.map((f) => f.target));
      expect(stack.instances("relay-node")).toHaveLength(4);
      expect(schedule).toHaveLength(TOPOLOGY.serviceReplicas * 5 + 4 + 1);
      const natsPhase = phases[phases.length - 1] as PhaseRecord;
      summary.natsLeaderKilled = natsPhase.target;
      summary.longestPauseMs = {
        mining: Math.max(...phases.map((p) => p.longestPauseMs.mining)),
        relay: Math.max(...phases.map((p) => p.longestPauseMs.relay)),
        workflows: Math.max(...phases.map((p) => p.longestPauseMs.workflows)),
        miningAtNatsFailover: natsPhase.longestPauseMs.mining,
      };
      // The stream kept its three copies through the kills, and the restarted node caught up.
      await waitFor(
        async () => {
          const { config, cluster } = await jsm.streams.info(shares);
          return config.num_replicas === TOPOLOGY.streamReplicas && cluster?.replicas?.every((r) => r.current && !r.offline) === true;
        },
        { timeoutMs: TIMING.drainMs, intervalMs: 250, description: "SHARES at R3 with every replica current" },
      );

      // Stop the load and let the system drain: the forward queue empty, nothing awaiting an ack.
      const drainFrom = Date.now();
      await relay.stop();
      summary.loadgen = await mining.stop();
      await workflows.stop();
      await waitFor(
        async () => {
          const { state } = await jsm.streams.info(shares);
          const consumer = await jsm.consumers.info(shares, "share-forwarder");
          return state.messages === 0 && consumer.num_ack_pending === 0 && consumer.num_pending === 0;
        },
        { timeoutMs: TIMING.drainMs, intervalMs: 250, description: "the forward queue drained" },
      );
      summary.drainMs = Date.now() - drainFrom;
    },
    TIMING.runMs,
  );

  it("loses no accepted share and forwards none twice: one result each, accepted by the pool once", async () => {
    const { stack, bus, mining } = running();
    const { counts, violations } = await checkShares(stack, bus, mining, phases);
    summary.shares = counts;
    // Only a stream leader's loss makes the edge answer share-not-stored; counted over the whole
    // run, as the last refusals can come after the phase saw the path flow again.
    summary.sharesRefusedDuringFailover = counts.rejectedToMiners[SHARE_NOT_STORED] ?? 0;
    // When they came, in seconds from the NATS kill (a publish on the wire then waits out its 5 s timeout).
    const natsKilledAt = phases[phases.length - 1]?.killedAt ?? 0;
    summary.sharesRefusedAtSecondsFromNatsKill = mining.refusedAt.map((at) => Math.round((at - natsKilledAt) / 100) / 10);
    summary.sharesLost = counts.lost;
    summary.sharesForwardedTwice = counts.forwardedTwice;
    expect(violations).toEqual([]);
    expect(counts.acknowledgedToMiners).toBeGreaterThan(0);
    // The forwarder was killed with a share accepted by the pool and no result stored: it came back.
    expect(counts.redeliveredAcrossKill).toBeGreaterThan(0);
  }, 120_000);

  it("submits every block found to the node once: one answer each", async () => {
    const { stack, bus } = running();
    const { counts, violations } = await checkBlocks(stack, bus);
    summary.blocks = counts;
    expect(violations).toEqual([]);
    expect(counts.found).toBeGreaterThan(0);
  }, 60_000);

  it("answers every relay request with a quorum result or a clean JSON-RPC error, never hanging", () => {
    const { relay } = running();
    const { counts, violations } = checkRelay(relay, phases);
    summary.relay = counts;
    expect(violations).toEqual([]);
    expect(counts.answered).toBeGreaterThan(0);
  });

  it("completes every workflow, with no transaction sent twice and no nonce gap", async () => {
    const { stack, workflows } = running();
    const { counts, violations } = await checkWorkflows(stack, workflows);
    summary.workflows = counts;
    summary.duplicateTransactions = counts.duplicateTransactions;
    expect(violations).toEqual([]);
    expect(counts.completed).toBeGreaterThan(0);
  }, 120_000);
});
