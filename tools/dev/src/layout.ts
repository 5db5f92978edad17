// Which processes the stack runs and the development port of each: the names of the service
// instances and every host:port the stack listens on before the ports offset shifts them.
import type { PortSlot } from "./ports.js";

/** The host every development process listens on. */
export const HOST = "127.0.0.1";

/** The six services (docs/architecture.md), in start order. */
export const SERVICES = ["template-verifier", "share-forwarder", "miner-edge", "relay-node", "relay-gateway", "orchestrator"] as const;
export type ServiceName = (typeof SERVICES)[number];

export type TomlTable = Record<string, unknown>;

/** Ports of the parts that are not services: the defaults `make dev` uses. */
const INFRA_PORTS: readonly PortSlot[] = [
  { id: "bcoin/rpc", host: HOST, devPort: 18443 },
  { id: "bcoin/wallet", host: HOST, devPort: 18444 },
  { id: "anvil/rpc", host: HOST, devPort: 8545 },
  { id: "pool-backend/http", host: HOST, devPort: 8090 },
  { id: "pool-backend/admin", host: HOST, devPort: 8091 },
];

/** Relay node i > 0 listens on its dev ports + 100·i (8186, 8286, …). */
const RELAY_NODE_PORT_STEP = 100;

/** Every `addr` / `*_addr` key holding host:port, at any depth (e.g. `http_addr`, `api.addr`). */
export function listenAddresses(table: TomlTable, path: string[] = []): { key: string; host: string; port: number }[] {
  return Object.entries(table).flatMap(([key, value]) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return listenAddresses(value as TomlTable, [...path, key]);
    const match = typeof value === "string" ? /^(.*):(\d+)$/.exec(value) : null;
    return (key === "addr" || key.endsWith("_addr")) && match
      ? [{ key: [...path, key].join("_"), host: match[1] as string, port: Number(match[2]) }]
      : [];
  });
}

/** Replica r > 1 of a service listens on its dev ports + 20000·(r-1): clear of every other dev port. */
const REPLICA_PORT_STEP = 20_000;

/**
 * Process names of the service instances: relay-node runs `relayNodes` times (each a DON member
 * with its own key); every other service `replicas` times, `miner-edge`, `miner-edge#2`, …
 */
export function instancesOf(service: ServiceName, relayNodes: number, replicas = 1): string[] {
  if (service === "relay-node") return Array.from({ length: relayNodes }, (_, i) => `relay-node-${i}`);
  return Array.from({ length: replicas }, (_, r) => (r === 0 ? service : `${service}#${r + 1}`));
}

/** 1 for `miner-edge`, 2 for `miner-edge#2`. */
export function replicaNumber(instance: string): number {
  const match = /#(\d+)$/.exec(instance);
  return match ? Number(match[1]) : 1;
}

function instanceIndex(instance: string): number {
  const match = /-(\d+)$/.exec(instance);
  return match ? Number(match[1]) : 0;
}

/** Every port the stack listens on, with the development defaults. */
export function portSlots(
  configs: Readonly<Record<ServiceName, TomlTable>>,
  services: readonly ServiceName[],
  relayNodes: number,
  serviceReplicas = 1,
): PortSlot[] {
  const slots = [...INFRA_PORTS];
  for (const service of services) {
    for (const instance of instancesOf(service, relayNodes, serviceReplicas)) {
      const step =
        service === "relay-node" ? instanceIndex(instance) * RELAY_NODE_PORT_STEP : (replicaNumber(instance) - 1) * REPLICA_PORT_STEP;
      for (const { key, host, port } of listenAddresses(configs[service]))
        slots.push({ id: `${instance}/${key}`, host, devPort: port + step });
    }
  }
  return slots;
}
