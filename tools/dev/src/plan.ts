// What the development stack runs and how: every process's command, environment and endpoints,
// computed from the services' config/dev.toml without touching the machine (stack.ts does that).
import { join } from "node:path";
import { addressFromPrivateKey, devKey } from "@gatehouse/relay";
import { PlanError } from "./errors.js";
import { HOST, instancesOf, listenAddresses, replicaNumber, SERVICES, type ServiceName, type TomlTable } from "./layout.js";
import type { NatsNode } from "./nats-cluster.js";
import type { PortMap } from "./ports.js";
import type { ProcessSpec } from "./supervisor.js";

export interface Namespace {
  subjectRoot: string;
  /** Prefix of every JetStream stream name. */
  streamPrefix: string;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** The orchestrator's PostgreSQL schema (its workflow store). */
  postgresSchema: string;
}

/** A load-generating miner (tools/loadgen) connected to the miner edge. */
export interface MinerSpec {
  name: string;
  /** Worker identity prefix; the edge admits `dev.*` (auth.prefix_map of its dev.toml). */
  worker: string;
  connections: number;
  /** Shares per second per connection. At regtest difficulty every share is a block. */
  rate: number;
}

/**
 * `count` miners of one connection each, a share (so a block) every 10 s or 8 s in turn: two give
 * a block every ~4.5 s, not a flood. Unequal rates keep them from finding blocks in pairs.
 */
export function defaultMiners(count: number): MinerSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `miner-${i + 1}`,
    worker: `dev.miner-${i + 1}`,
    connections: 1,
    rate: i % 2 === 0 ? 0.1 : 0.125,
  }));
}

export const DEFAULT_MINER_COUNT = 2;

export const DEFAULT_RELAY_NODES = 4;

export interface PlanInput {
  root: string;
  /** Each service's parsed config/dev.toml. */
  configs: Readonly<Record<ServiceName, TomlTable>>;
  /** Which services run (`--only`); the infrastructure always does. */
  services: readonly ServiceName[];
  ports: PortMap;
  natsUrl: string;
  redisUrl: string;
  /** The orchestrator's workflow store; unset, its dev.toml's applies. */
  postgresUrl?: string;
  namespace: Namespace;
  /** The SV2 edge's identity and the authority key miners check it against (see keys.ts). */
  keys: { serverIdentityFile: string; authorityPublicKeyFile: string };
  evidenceDir: string;
  bcoinApiKey: string;
  anvilBinary: string;
  relayNodes: number;
  /** Processes per service (the relay nodes excepted: each is its own DON member); default 1. */
  serviceReplicas?: number;
  /** `nats.stream_replicas` of every service; default: the services' own (1). */
  streamReplicas?: number;
  miners: readonly MinerSpec[];
  /** Extra environment per component (tests tune timings with it). */
  env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type ComponentKind = "infra" | "service" | "miner";

export interface ComponentPlan {
  kind: ComponentKind;
  spec: ProcessSpec;
  /** Label → address or URL, for the banner and for tests. */
  endpoints: Record<string, string>;
  /** Answers 200 once the component is ready (services: /readyz). */
  readyUrl?: string;
}

export interface StackPlan {
  /** In start order: infrastructure, services, miners. */
  components: ComponentPlan[];
  /** The chain the orchestrator expects: anvil's chain id and the RewardsDistributor its dev.toml names. */
  chain: { chainId: number; rewardsDistributor: string; rpcUrl: string };
  bcoin: { rpcUrl: string; walletUrl: string; apiKey: string };
  poolBackend: { sharesUrl: string; adminUrl: string; secret: string };
}

/** How an address key shows in the banner and in `endpoints`. */
const ENDPOINT_LABELS: Record<string, string> = {
  listen_addr: "sv2",
  http_addr: "ops",
  grpc_addr: "grpc",
  rpc_addr: "jsonrpc",
  api_addr: "rest",
};

export function envName(service: string, key: string): string {
  return `GH_${service.toUpperCase().replace(/-/g, "_")}_${key.toUpperCase()}`;
}

function port(ports: PortMap, id: string): number {
  const value = ports[id];
  if (value === undefined) throw new PlanError(`no port chosen for ${id}`);
  return value;
}

function table(config: TomlTable, key: string): TomlTable {
  const value = config[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as TomlTable) : {};
}

function text(config: TomlTable, key: string, where: string): string {
  const value = config[key];
  if (typeof value !== "string" || value === "") throw new PlanError(`${where}: ${key} must be set`);
  return value;
}

/** The relay DON of relay-gateway's dev.toml must be exactly the nodes the stack starts. */
function checkDon(gateway: TomlTable, relayNodes: number): void {
  const don = table(gateway, "don");
  const listed = Array.isArray(don.members) ? (don.members as { name?: string; address?: string }[]) : [];
  const expected = Array.from({ length: relayNodes }, (_, i) => ({
    name: `relay-node-${i}`,
    address: addressFromPrivateKey(devKey(`relay-node-${i}`)),
  }));
  const same =
    listed.length === expected.length &&
    expected.every((member, i) => listed[i]?.name === member.name && listed[i]?.address?.toLowerCase() === member.address);
  if (!same) {
    throw new PlanError(
      `services/relay-gateway/config/dev.toml: don.members must list the ${relayNodes} relay nodes the stack starts, ` +
        `with the addresses their dev_key_seed gives: ${JSON.stringify(expected)}`,
    );
  }
}

function serviceEnv(service: ServiceName, config: TomlTable, input: PlanInput): Record<string, string> {
  const env: Record<string, string> = {
    [envName(service, "nats_url")]: input.natsUrl,
    [envName(service, "nats_subject_root")]: input.namespace.subjectRoot,
    [envName(service, "nats_stream_prefix")]: input.namespace.streamPrefix,
  };
  if (input.streamReplicas !== undefined) env[envName(service, "nats_stream_replicas")] = String(input.streamReplicas);
  if (typeof config.redis === "object") {
    env[envName(service, "redis_url")] = input.redisUrl;
    env[envName(service, "redis_key_prefix")] = input.namespace.redisPrefix;
  }
  const ports = input.ports;
  switch (service) {
    case "template-verifier":
      env[envName(service, "upstream_url")] = `http://${HOST}:${port(ports, "bcoin/rpc")}`;
      env[envName(service, "upstream_rpc_password")] = input.bcoinApiKey;
      text(config, "payout_script", "services/template-verifier/config/dev.toml");
      break;
    case "share-forwarder":
      env[envName(service, "share_upstream_url")] = `http://${HOST}:${port(ports, "pool-backend/http")}/shares`;
      break;
    case "miner-edge":
      env[envName(service, "noise_key_file")] = input.keys.serverIdentityFile;
      env[envName(service, "authority_public_key_file")] = input.keys.authorityPublicKeyFile;
      break;
    case "relay-gateway":
      checkDon(config, input.relayNodes);
      break;
    case "orchestrator":
      env[envName(service, "chain_rpc_url")] = `http://${HOST}:${port(ports, "anvil/rpc")}`;
      // The runner owns anvil: an orchestrator killed -9 must not take the chain with it.
      env[envName(service, "chain_dev_chain")] = "false";
      env[envName(service, "evidence_dir")] = input.evidenceDir;
      if (input.postgresUrl) env[envName(service, "store_postgres_url")] = input.postgresUrl;
      env[envName(service, "store_postgres_schema")] = input.namespace.postgresSchema;
      break;
    case "relay-node":
      break;
  }
  return env;
}

function servicePlans(service: ServiceName, input: PlanInput): ComponentPlan[] {
  const config = input.configs[service];
  const configPath = join(input.root, "services", service, "config", "dev.toml");
  return instancesOf(service, input.relayNodes, input.serviceReplicas).map((instance) => {
    const env = serviceEnv(service, config, input);
    if (service === "relay-node") {
      env[envName(service, "node_name")] = instance;
      env[envName(service, "dev_key_seed")] = instance;
    }
    if (replicaNumber(instance) > 1) {
      env[envName(service, "instance_id")] = instance.replace("#", "-");
      // Responses come back on a subject named by the gateway: each replica its own.
      if (service === "relay-gateway") env[envName(service, "gateway_id")] = `gateway-${replicaNumber(instance) - 1}`;
    }
    const endpoints: Record<string, string> = {};
    for (const { key, host } of listenAddresses(config)) {
      const chosen = port(input.ports, `${instance}/${key}`);
      env[envName(service, key)] = `${host}:${chosen}`;
      const label = ENDPOINT_LABELS[key] ?? key.replace(/_addr$/, "");
      const address = `${host}:${chosen}`;
      endpoints[label] = label === "ops" || label === "rest" ? `http://${address}` : label === "jsonrpc" ? `http://${address}/` : address;
    }
    // A service's extra environment applies to each of its processes, an instance's to that one.
    Object.assign(env, input.env?.[service], input.env?.[instance]);
    return {
      kind: "service" as const,
      spec: {
        name: instance,
        command: process.execPath,
        args: [join(input.root, "services", service, "dist", "main.js"), "--config", configPath],
        env,
        cwd: input.root,
      },
      endpoints,
      ...(endpoints.ops ? { readyUrl: `${endpoints.ops}/readyz` } : {}),
    };
  });
}

function infraPlans(input: PlanInput, chainId: number, poolSecret: string): ComponentPlan[] {
  const p = (id: string) => port(input.ports, id);
  const env = (name: string) => ({ ...input.env?.[name] });
  return [
    {
      kind: "infra",
      spec: {
        name: "bcoin",
        command: process.execPath,
        args: [
          join(input.root, "services", "template-verifier", "scripts", "bcoin-regtest.cjs"),
          String(p("bcoin/rpc")),
          String(p("bcoin/wallet")),
          input.bcoinApiKey,
        ],
        env: env("bcoin"),
        cwd: input.root,
      },
      endpoints: { rpc: `http://${HOST}:${p("bcoin/rpc")}`, wallet: `http://${HOST}:${p("bcoin/wallet")}` },
    },
    {
      kind: "infra",
      spec: {
        name: "anvil",
        command: input.anvilBinary,
        // 1 s blocks, as a real chain would confirm: the orchestrator waits for confirmations.
        args: ["--host", HOST, "--port", String(p("anvil/rpc")), "--chain-id", String(chainId), "--block-time", "1", "--silent"],
        env: env("anvil"),
        cwd: input.root,
      },
      endpoints: { rpc: `http://${HOST}:${p("anvil/rpc")}` },
    },
    {
      kind: "infra",
      spec: {
        name: "pool-backend",
        command: process.execPath,
        args: [
          join(input.root, "tools", "pool-backend", "dist", "main.js"),
          "--host",
          HOST,
          "--port",
          String(p("pool-backend/http")),
          "--admin-port",
          String(p("pool-backend/admin")),
        ],
        env: { GH_POOL_BACKEND_SECRET: poolSecret, ...env("pool-backend") },
        cwd: input.root,
      },
      endpoints: { shares: `http://${HOST}:${p("pool-backend/http")}/shares`, admin: `http://${HOST}:${p("pool-backend/admin")}` },
      readyUrl: `http://${HOST}:${p("pool-backend/admin")}/stats`,
    },
  ];
}

function minerPlans(input: PlanInput, sv2: string): ComponentPlan[] {
  return input.miners.map((miner) => ({
    kind: "miner" as const,
    spec: {
      name: miner.name,
      command: process.execPath,
      args: [
        join(input.root, "tools", "loadgen", "dist", "main.js"),
        ...["--url", sv2, "--authority-key", input.keys.authorityPublicKeyFile],
        ...["--connections", String(miner.connections), "--rate", String(miner.rate), "--worker", miner.worker],
        ...["--report-interval-s", "30", "--json"],
      ],
      env: { ...input.env?.[miner.name] },
      cwd: input.root,
    },
    endpoints: {},
  }));
}

/** The whole stack as processes to run. Throws PlanError when the dev configs disagree with it. */
export function planStack(input: PlanInput): StackPlan {
  const orchestrator = input.configs.orchestrator;
  const chain = table(orchestrator, "chain");
  const chainId = typeof chain.chain_id === "number" ? chain.chain_id : 31337;
  const rewardsDistributor = text(chain, "rewards_distributor_address", "services/orchestrator/config/dev.toml [chain]");
  const poolSecret = text(input.configs["share-forwarder"], "share_upstream_secret", "services/share-forwarder/config/dev.toml");

  const services = SERVICES.filter((s) => input.services.includes(s)).flatMap((s) => servicePlans(s, input));
  const edge = services.find((c) => c.spec.name === "miner-edge");
  const miners = edge?.endpoints.sv2 && input.miners.length > 0 ? minerPlans(input, edge.endpoints.sv2) : [];
  const p = (id: string) => port(input.ports, id);
  return {
    components: [...infraPlans(input, chainId, poolSecret), ...services, ...miners],
    chain: { chainId, rewardsDistributor, rpcUrl: `http://${HOST}:${p("anvil/rpc")}` },
    bcoin: { rpcUrl: `http://${HOST}:${p("bcoin/rpc")}`, walletUrl: `http://${HOST}:${p("bcoin/wallet")}`, apiKey: input.bcoinApiKey },
    poolBackend: {
      sharesUrl: `http://${HOST}:${p("pool-backend/http")}/shares`,
      adminUrl: `http://${HOST}:${p("pool-backend/admin")}`,
      secret: poolSecret,
    },
  };
}

/** A node of a private NATS cluster (see nats-cluster.ts), a component like any other. */
export function natsNodePlan(node: NatsNode): ComponentPlan {
  return {
    kind: "infra",
    spec: { name: node.name, command: "nats-server", args: node.args },
    endpoints: { client: node.clientUrl, monitor: `http://${HOST}:${node.ports.monitor}` },
  };
}

/** A private nats-server with JetStream on `port`, its store in `storeDir` (kept across restarts). */
export function natsPlan(port: number, storeDir: string): ComponentPlan {
  return {
    kind: "infra",
    spec: { name: "nats", command: "nats-server", args: ["-a", HOST, "-p", String(port), "-js", "-sd", storeDir] },
    endpoints: { client: `nats://${HOST}:${port}` },
  };
}
