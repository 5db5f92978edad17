// The chaos schedule: each process in turn — every replica of every service, each relay node, and
// the NATS node leading the SHARES stream — is killed with SIGKILL while work is in flight on its
// path, started again with the same ports, configuration and (NATS) JetStream store, and the run
// waits until it is ready and all three paths flow again before the next one.
import { PULL_EXPIRES_MS } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { waitFor } from "@gatehouse/testkit";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Activity } from "./activity.js";

export interface Paths {
  /** Shares acknowledged to miners. */
  mining: Activity;
  /** Shares sent by the miners and not answered yet, to one edge process or to all. */
  miningInFlight: (edge?: string) => number;
  /** Relay quorum answers. */
  relay: Activity;
  /** Relay requests not answered yet, at one gateway process or at all. */
  relayInFlight: (gateway?: string) => number;
  /** Workflows completed. */
  workflows: Activity;
  /** Workflows that just broadcast a transaction. */
  broadcasts: Activity;
  /** Running totals, compared before and after each phase. */
  snapshot: () => Record<string, number>;
}

interface FaultContext {
  stack: Stack;
  paths: Paths;
  timeoutMs: number;
}

/** The schedule's name for the NATS node leading SHARES when the kill comes. */
export const NATS_LEADER = "nats-leader";

export interface Fault {
  /** The process to kill, or NATS_LEADER. */
  target: string;
  /** Resolves when work the target handles is in flight, so the kill interrupts it. */
  inFlight(ctx: FaultContext): Promise<unknown>;
  /** Undoes what inFlight arranged, once the target is killed. */
  killed?(ctx: FaultContext): Promise<void>;
}

export interface PhaseRecord {
  /** The process killed (a NATS node by its name). */
  target: string;
  /** What the schedule named (NATS_LEADER for the stream leader's node). */
  fault: string;
  killedAt: number;
  /** The target answered its readiness check again (NATS: and every service did). */
  readyAt: number;
  /** Every path had flowed again after readyAt. */
  recoveredAt: number;
  downMs: number;
  recoveryMs: number;
  /** What the load did from the wait for in-flight work to the recovery. */
  during: Record<string, number>;
  /** The longest time each path went without progress around the kill. */
  longestPauseMs: { mining: number; relay: number; workflows: number };
}

const until = (what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) =>
  waitFor(condition, { timeoutMs, intervalMs: 5, description: what });

const poolFault = async (stack: Stack, fault: Record<string, unknown>) => {
  const res = await fetch(`${stack.plan.poolBackend.adminUrl}/fault`, { method: "POST", body: JSON.stringify(fault) });
  if (res.status !== 200) throw new Error(`pool backend fault ${JSON.stringify(fault)}: HTTP ${res.status} ${await res.text()}`);
};
const poolStats = async (stack: Stack) =>
  (await (await fetch(`${stack.plan.poolBackend.adminUrl}/stats`)).json()) as { heldAnswers: number };

/** Upstream requests a forwarder process has open (its in_flight_requests gauge). */
const forwarderInFlight = async (stack: Stack, forwarder: string): Promise<number> => {
  const text = await (await fetch(`${stack.endpoints(forwarder).ops}/metrics`)).text();
  return Number(/^gatehouse_share_forwarder_in_flight_requests (\d+)/m.exec(text)?.[1] ?? 0);
};

/** The NATS node leading the SHARES stream now. */
export async function sharesLeader(stack: Stack, shares: string, jsm: JetStreamManager): Promise<string> {
  const leader = (await jsm.streams.info(shares)).cluster?.leader;
  if (!leader || !stack.natsNames.includes(leader)) throw new Error(`SHARES has no leader among ${stack.natsNames.join(", ")}: ${leader}`);
  return leader;
}

/** Every replica of every service in turn, each relay node, and NATS once, last (on a cluster: the SHARES leader's node). */
export function chaosSchedule(stack: Stack): Fault[] {
  const relayInFlight =
    (gateway?: string): Fault["inFlight"] =>
    ({ paths, timeoutMs }) =>
      until(`a relay request in flight${gateway ? ` at ${gateway}` : ""}`, () => paths.relayInFlight(gateway) > 0, timeoutMs);
  const sharesAtEdge =
    (edge?: string): Fault["inFlight"] =>
    ({ paths, timeoutMs }) =>
      until(`a share sent to ${edge ?? "an edge"}`, () => paths.miningInFlight(edge) > 0, timeoutMs);
  const blockFlow: Fault["inFlight"] = ({ paths, timeoutMs }) => paths.mining.after(Date.now(), timeoutMs);
  const broadcast: Fault["inFlight"] = ({ paths, timeoutMs }) => paths.broadcasts.after(Date.now(), timeoutMs);
  // The pool backend answers late for a moment, so the kill finds a share the pool has accepted
  // while this forwarder, still waiting for the answer, has stored no result.
  const forwarder = (target: string): Fault => ({
    target,
    inFlight: async ({ stack, timeoutMs }) => {
      await poolFault(stack, { kind: "late", delayMs: 1_500 });
      // Requests from before the fault are answered at once; heldAnswers counts only those after it.
      let seen = { maxHeldAnswers: 0, maxTargetInFlight: 0, targetInFlightWhileHeld: 0 };
      await until(
        `a share accepted by the pool backend from ${target}, its answer not yet sent`,
        async () => {
          const { heldAnswers } = await poolStats(stack);
          const targetInFlight = await forwarderInFlight(stack, target);
          seen = {
            maxHeldAnswers: Math.max(seen.maxHeldAnswers, heldAnswers),
            maxTargetInFlight: Math.max(seen.maxTargetInFlight, targetInFlight),
            targetInFlightWhileHeld: seen.targetInFlightWhileHeld + (heldAnswers > 0 && targetInFlight > 0 ? 1 : 0),
          };
          return heldAnswers > 0 && targetInFlight > 0;
        },
        // The replicas pull from one durable consumer, and JetStream serves waiting pull requests
        // in order: at this load one replica's request can take every share until it expires.
        // Two expiries bound the wait for the target's turn.
        Math.max(timeoutMs, 2 * PULL_EXPIRES_MS + 10_000),
      ).catch(async (err: Error) => {
        // For the reader of a failure: what the pool and each forwarder were doing meanwhile.
        const replicas = await Promise.all(
          stack.instances("share-forwarder").map(async (f) => `${f} ${await forwarderInFlight(stack, f)}`),
        );
        throw new Error(
          `${err.message}; pool now ${JSON.stringify(await poolStats(stack))}; seen ${JSON.stringify(seen)}; in flight now: ${replicas.join(", ")}`,
        );
      });
    },
    killed: ({ stack }) => poolFault(stack, { kind: "none" }),
  });
  return [
    ...stack.instances("template-verifier").map((target) => ({ target, inFlight: blockFlow })),
    ...stack.instances("share-forwarder").map(forwarder),
    ...stack.instances("miner-edge").map((target) => ({ target, inFlight: sharesAtEdge(target) })),
    ...stack.instances("relay-node").map((target) => ({ target, inFlight: relayInFlight() })),
    ...stack.instances("relay-gateway").map((target) => ({ target, inFlight: relayInFlight(target) })),
    ...stack.instances("orchestrator").map((target) => ({ target, inFlight: broadcast })),
    { target: stack.natsNames.length > 1 ? NATS_LEADER : "nats", inFlight: sharesAtEdge() },
  ];
}

export interface PhaseTimeouts {
  inFlightMs: number;
  readyMs: number;
  recoveryMs: number;
}

/**
 * kill -9, start again, wait for readiness and for every path to flow. `leaderOf` names the NATS
 * node leading SHARES, asked right before the kill.
 */
export async function runPhase(
  stack: Stack,
  fault: Fault,
  paths: Paths,
  services: readonly string[],
  t: PhaseTimeouts,
  leaderOf: () => Promise<string>,
): Promise<PhaseRecord> {
  const before = paths.snapshot();
  const ctx = { stack, paths, timeoutMs: t.inFlightMs };
  await fault.inFlight(ctx);
  const target = fault.target === NATS_LEADER ? await leaderOf() : fault.target;
  const proc = stack.process(target);
  const killedAt = Date.now();
  const exit = await proc.kill("SIGKILL");
  if (exit.signal !== "SIGKILL") throw new Error(`${target} was not killed by SIGKILL: ${JSON.stringify(exit)}`);
  await fault.killed?.(ctx);
  proc.start();
  await stack.waitReady(target, t.readyMs);
  if (stack.natsNames.includes(target)) await Promise.all(services.map((name) => stack.waitReady(name, t.readyMs)));
  const readyAt = Date.now();
  await Promise.all([
    paths.mining.after(readyAt, t.recoveryMs),
    paths.relay.after(readyAt, t.recoveryMs),
    paths.workflows.after(readyAt, t.recoveryMs),
  ]);
  const recoveredAt = Date.now();
  const after = paths.snapshot();
  const during = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
  const longestPauseMs = {
    mining: paths.mining.longestPause(killedAt, recoveredAt),
    relay: paths.relay.longestPause(killedAt, recoveredAt),
    workflows: paths.workflows.longestPause(killedAt, recoveredAt),
  };
  return {
    target,
    fault: fault.target,
    killedAt,
    readyAt,
    recoveredAt,
    downMs: readyAt - killedAt,
    recoveryMs: recoveredAt - readyAt,
    during,
    longestPauseMs,
  };
}
