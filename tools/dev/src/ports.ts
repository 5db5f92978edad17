import { createServer } from "node:net";
import { PlanError } from "./errors.js";
import { portAnswers } from "./probe.js";

/** A port some component listens on: `component/key`, with its development default. */
export interface PortSlot {
  id: string;
  host: string;
  devPort: number;
}

/** Chosen port per slot id. */
export type PortMap = Readonly<Record<string, number>>;

/**
 * `make dev --ports-offset N`: each stack takes the development ports shifted by a multiple of
 * PORT_BLOCK, up to STACK_BLOCKS stacks. The development ports span 3000–18444 with the gRPC ports
 * 1,000 above the ops ports (808x/908x) and relay nodes 100 apart, so steps of 1,000 or 100 land
 * one stack's ports on another's; no multiple of 2,000 up to 8 blocks apart does, and service
 * replicas (dev ports + 20,000) stay clear of every block. `blockCollisions` checks it at start.
 */
export const PORT_BLOCK = 2_000;
export const STACK_BLOCKS = 9;

/**
 * Where the stack at `offset` would share a port: two of its own slots, or one of its slots and
 * a slot of a stack of the same shape in any other block. Empty when the whole set is clear.
 */
export function blockCollisions(slots: readonly PortSlot[], offset: number): string[] {
  const mine = new Map<number, string>();
  const collisions: string[] = [];
  for (const slot of slots) {
    const port = slot.devPort + offset;
    const other = mine.get(port);
    if (other !== undefined) collisions.push(`${port}: ${other} and ${slot.id}`);
    mine.set(port, slot.id);
  }
  for (let block = 0; block < STACK_BLOCKS * PORT_BLOCK; block += PORT_BLOCK) {
    if (block === offset) continue;
    for (const slot of slots) {
      const here = mine.get(slot.devPort + block);
      if (here !== undefined) collisions.push(`${slot.devPort + block}: ${here} here and ${slot.id} of the stack at offset ${block}`);
    }
  }
  return collisions;
}

/** `make dev`: every development port shifted by `offset`, a multiple of PORT_BLOCK, after checking the whole set. */
export function shiftedPorts(slots: readonly PortSlot[], offset: number): PortMap {
  if (offset % PORT_BLOCK !== 0 || offset >= STACK_BLOCKS * PORT_BLOCK) {
    throw new PlanError(
      `--ports-offset ${offset} is not a multiple of ${PORT_BLOCK} below ${STACK_BLOCKS * PORT_BLOCK}: each stack takes its own block of ports (offset 0, ${PORT_BLOCK}, ${2 * PORT_BLOCK}, …)`,
    );
  }
  const collisions = blockCollisions(slots, offset);
  if (collisions.length > 0)
    throw new PlanError(`the stack at --ports-offset ${offset} would share ports: ${collisions.slice(0, 5).join("; ")}`);
  return Object.fromEntries(
    slots.map((slot) => {
      const port = slot.devPort + offset;
      if (!Number.isInteger(port) || port < 1 || port > 65_535)
        throw new PlanError(`${slot.id}: port ${slot.devPort} + offset ${offset} is not a port`);
      return [slot.id, port];
    }),
  );
}

/**
 * Below Linux's default ephemeral range (32768–60999): a test stack restarts processes on the ports
 * they had, and a port from that range could meanwhile be the local end of some outgoing connection.
 */
const STABLE_PORTS = { low: 20_000, high: 32_768 } as const;

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port below the ephemeral range that `host` can listen on now and `taken` does not hold. */
export async function stablePort(host = "127.0.0.1", taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = STABLE_PORTS.low + Math.floor(Math.random() * (STABLE_PORTS.high - STABLE_PORTS.low));
    if (!taken.has(port) && (await canListen(host, port))) return port;
  }
  throw new PlanError(`no free port on ${host} between ${STABLE_PORTS.low} and ${STABLE_PORTS.high}`);
}

/** Test stacks: a free port per slot, none repeated, each stable across restarts (see STABLE_PORTS). */
export async function freePorts(slots: readonly PortSlot[]): Promise<PortMap> {
  const taken = new Set<number>();
  const map: Record<string, number> = {};
  for (const slot of slots) {
    const port = await stablePort(slot.host, taken);
    taken.add(port);
    map[slot.id] = port;
  }
  return map;
}

/** Slots whose port something already answers on: a second `make dev`, or another program. */
export async function portsInUse(slots: readonly PortSlot[], ports: PortMap): Promise<string[]> {
  const busy = await Promise.all(slots.map(async (slot) => ((await portAnswers(slot.host, ports[slot.id] as number)) ? slot : undefined)));
  return busy.filter((slot): slot is PortSlot => slot !== undefined).map((slot) => `${slot.host}:${ports[slot.id]} (${slot.id})`);
}
