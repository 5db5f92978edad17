import { createServer } from "node:net";
import { portAnswers } from "./probe.js";

/** A port some component listens on: `component/key`, with its development default. */
export interface PortSlot {
  id: string;
  host: string;
  devPort: number;
}

/** Chosen port per slot id. */
export type PortMap = Readonly<Record<string, number>>;

/** `make dev`: every development port shifted by `offset` (so a second stack can run beside the first). */
export function shiftedPorts(slots: readonly PortSlot[], offset: number): PortMap {
  return Object.fromEntries(
    slots.map((slot) => {
      const port = slot.devPort + offset;
      if (!Number.isInteger(port) || port < 1 || port > 65_535)
        throw new Error(`${slot.id}: port ${slot.devPort} + offset ${offset} is not a port`);
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
  throw new Error(`no free port on ${host} between ${STABLE_PORTS.low} and ${STABLE_PORTS.high}`);
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
