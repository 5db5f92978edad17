// The chaos schedule: each component in turn is killed with SIGKILL while work is in flight on
// its path, started again with the same ports, configuration and (NATS) JetStream store, and the
// run waits until it is ready and all three paths flow again before the next one.
import type { Stack } from "@gatehouse/dev";
import { waitFor } from "@gatehouse/testkit";
import type { Activity } from "./activity.js";

export interface Paths {
  /** Shares acknowledged to miners. */
  mining: Activity;
  /** Shares sent by the miners and not answered yet. */
  miningInFlight: () => number;
  /** Relay quorum answers. */
  relay: Activity;
  relayInFlight: () => number;
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

export interface Fault {
  target: string;
  /** Resolves when work the target handles is in flight, so the kill interrupts it. */
  inFlight(ctx: FaultContext): Promise<unknown>;
  /** Undoes what inFlight arranged, once the target is killed. */
  killed?(ctx: FaultContext): Promise<void>;
}

export interface PhaseRecord {
  target: string;
  killedAt: number;
  /** The target answered its readiness check again (NATS: and every service did). */
  readyAt: number;
  /** Every path had flowed again after readyAt. */
  recoveredAt: number;
  downMs: number;
  recoveryMs: number;
  /** What the load did from the wait for in-flight work to the recovery. */
  during: Record<string, number>;
}

const until = (what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number) =>
  waitFor(condition, { timeoutMs, intervalMs: 5, description: what });

const poolFault = async (stack: Stack, fault: Record<string, unknown>) => {
  const res = await fetch(`${stack.plan.poolBackend.adminUrl}/fault`, { method: "POST", body: JSON.stringify(fault) });
  if (res.status !== 200) throw new Error(`pool backend fault ${JSON.stringify(fault)}: HTTP ${res.status} ${await res.text()}`);
};
const poolStats = async (stack: Stack) =>
  (await (await fetch(`${stack.plan.poolBackend.adminUrl}/stats`)).json()) as { inFlight: number; accepted: number; duplicates: number };

/** Every component, in turn; NATS once, last. */
export function chaosSchedule(relayNodes: number): Fault[] {
  const relayInFlight: Fault["inFlight"] = ({ paths, timeoutMs }) =>
    until("a relay request in flight", () => paths.relayInFlight() > 0, timeoutMs);
  const sharesAtEdge: Fault["inFlight"] = ({ paths, timeoutMs }) =>
    until("a share sent to the edge", () => paths.miningInFlight() > 0, timeoutMs);
  return [
    { target: "template-verifier", inFlight: ({ paths, timeoutMs }) => paths.mining.after(Date.now(), timeoutMs) },
    {
      // The pool backend answers late for a moment, so the kill finds a share the pool has
      // accepted while the forwarder, still waiting for the answer, has stored no result.
      target: "share-forwarder",
      inFlight: async ({ stack, timeoutMs }) => {
        await poolFault(stack, { kind: "late", delayMs: 1_500 });
        // Requests from before the fault are answered at once: count only those after it.
        await until("the pool backend idle", async () => (await poolStats(stack)).inFlight === 0, timeoutMs);
        const before = await poolStats(stack);
        await until(
          "a share accepted by the pool backend, its answer not yet sent",
          async () => {
            const now = await poolStats(stack);
            return now.inFlight > 0 && now.accepted + now.duplicates > before.accepted + before.duplicates;
          },
          timeoutMs,
        );
      },
      killed: ({ stack }) => poolFault(stack, { kind: "none" }),
    },
    { target: "miner-edge", inFlight: sharesAtEdge },
    ...Array.from({ length: relayNodes }, (_, i) => ({ target: `relay-node-${i}`, inFlight: relayInFlight })),
    { target: "relay-gateway", inFlight: relayInFlight },
    { target: "orchestrator", inFlight: ({ paths, timeoutMs }) => paths.broadcasts.after(Date.now(), timeoutMs) },
    { target: "nats", inFlight: sharesAtEdge },
  ];
}

export interface PhaseTimeouts {
  inFlightMs: number;
  readyMs: number;
  recoveryMs: number;
}

/** kill -9, start again, wait for readiness and for every path to flow. */
export async function runPhase(
  stack: Stack,
  fault: Fault,
  paths: Paths,
  services: readonly string[],
  t: PhaseTimeouts,
): Promise<PhaseRecord> {
  const before = paths.snapshot();
  const ctx = { stack, paths, timeoutMs: t.inFlightMs };
  await fault.inFlight(ctx);
  const proc = stack.process(fault.target);
  const killedAt = Date.now();
  const exit = await proc.kill("SIGKILL");
  if (exit.signal !== "SIGKILL") throw new Error(`${fault.target} was not killed by SIGKILL: ${JSON.stringify(exit)}`);
  await fault.killed?.(ctx);
  proc.start();
  await stack.waitReady(fault.target, t.readyMs);
  if (fault.target === "nats") await Promise.all(services.map((name) => stack.waitReady(name, t.readyMs)));
  const readyAt = Date.now();
  await Promise.all([
    paths.mining.after(readyAt, t.recoveryMs),
    paths.relay.after(readyAt, t.recoveryMs),
    paths.workflows.after(readyAt, t.recoveryMs),
  ]);
  const recoveredAt = Date.now();
  const after = paths.snapshot();
  const during = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
  return { target: fault.target, killedAt, readyAt, recoveredAt, downMs: readyAt - killedAt, recoveryMs: recoveredAt - readyAt, during };
}
