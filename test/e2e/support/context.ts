// What every journey gets: the running stack, a bus connection on its namespace, and test
// miners connected to its edge (closed when the run ends).
import type { Bus } from "@gatehouse/bus";
import type { Stack } from "@gatehouse/dev";
import { EdgeEventSchema, EdgeEventType } from "@gatehouse/proto/mining/v1";
import { TestMiner, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll } from "@jest/globals";
import { catalogOf, readStream } from "./stack.js";

export interface E2E {
  stack: Stack;
  bus: Bus;
  /** A test miner with an open standard channel and its first job, as `worker`. */
  miner(worker: string): Promise<TestMiner>;
  /** Every test miner connected so far. */
  miners: TestMiner[];
}

/** The load generators the stack runs (make dev's two miners). */
const LOADGEN = ["miner-1", "miner-2"];

/**
 * Stops the load generators for the enclosing describe, and starts them again after it: their
 * blocks would move the tip under the journey's own shares at random.
 */
export function withoutLoadGenerators(e2e: () => E2E): void {
  beforeAll(async () => {
    await Promise.all(LOADGEN.map((name) => e2e().stack.process(name).stop()));
  });
  afterAll(() => {
    for (const name of LOADGEN) e2e().stack.process(name).start();
  });
}

export function e2eContext(stack: Stack, bus: Bus): E2E {
  const miners: TestMiner[] = [];
  return {
    stack,
    bus,
    miners,
    async miner(worker) {
      const m = await TestMiner.connect(`tcp://${stack.endpoints("miner-edge").sv2}`, stack.keys.authorityPublicKey);
      miners.push(m);
      await m.client.setupConnection({ flags: 0b100 });
      await m.open(worker);
      await waitFor(() => m.job && m.tip, { timeoutMs: 10_000, description: `a job for ${worker}` });
      return m;
    },
  };
}

/** What the edge recorded as accepted shares (the SHARES stream is a work queue the forwarder empties). */
export async function acceptedAtEdge(e2e: E2E, worker?: string): Promise<string[]> {
  const { bus, stack } = e2e;
  const events = await readStream(bus, catalogOf(stack).EDGE_EVENTS.name, bus.subjects.edgeEvent, EdgeEventSchema);
  return events.flatMap(({ message: e }) =>
    e.type === EdgeEventType.share_accepted && e.detail.case === "share" && (worker === undefined || e.workerId === worker)
      ? [e.detail.value.eventId]
      : [],
  );
}
