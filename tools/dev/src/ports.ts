import { freePort } from "@gatehouse/service";
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

/** Test stacks: a free loopback port per slot, none repeated. */
export async function freePorts(slots: readonly PortSlot[]): Promise<PortMap> {
  const taken = new Set<number>();
  const map: Record<string, number> = {};
  for (const slot of slots) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
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
