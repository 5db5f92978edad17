import { describe, expect, it } from "@jest/globals";
import { loadDevConfigs, repositoryRoot } from "./configs.js";
import { PlanError } from "./errors.js";
import { listenAddresses, portSlots, SERVICES, type ServiceName } from "./layout.js";
import { defaultMiners, envName, type PlanInput, planStack } from "./plan.js";
import { shiftedPorts } from "./ports.js";

const root = repositoryRoot();
const configs = loadDevConfigs(root);

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  const services = overrides.services ?? SERVICES;
  const relayNodes = overrides.relayNodes ?? 4;
  return {
    root: "/repo",
    configs,
    services,
    ports: shiftedPorts(portSlots(overrides.configs ?? configs, services, relayNodes, overrides.serviceReplicas), 2000),
    natsUrl: "nats://127.0.0.1:4222",
    redisUrl: "redis://127.0.0.1:6379",
    postgresUrl: "postgres://postgres@127.0.0.1:5432/postgres",
    namespace: { subjectRoot: "gh", streamPrefix: "", redisPrefix: "gh:", postgresSchema: "gh_orchestrator" },
    keys: { serverIdentityFile: "/repo/.dev/server-identity.json", authorityPublicKeyFile: "/repo/.dev/authority.pub" },
    evidenceDir: "/repo/.dev/evidence",
    bcoinApiKey: "dev",
    anvilBinary: "/bin/anvil",
    relayNodes,
    miners: defaultMiners(2),
    ...overrides,
  };
}

const component = (plan: ReturnType<typeof planStack>, name: string) => {
  const found = plan.components.find((c) => c.spec.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe("planStack", () => {
  it("lists infrastructure, the six services with four relay nodes, then the miners, in start order", () => {
    const plan = planStack(input());
    expect(plan.components.map((c) => `${c.kind}:${c.spec.name}`)).toEqual([
      "infra:bcoin",
      "infra:anvil",
      "infra:pool-backend",
      "service:template-verifier",
      "service:share-forwarder",
      "service:miner-edge",
      "service:relay-node-0",
      "service:relay-node-1",
      "service:relay-node-2",
      "service:relay-node-3",
      "service:relay-gateway",
      "service:orchestrator",
      "miner:miner-1",
      "miner:miner-2",
    ]);
  });

  it("shifts every listen address by the offset, relay node i by a further 100·i", () => {
    const plan = planStack(input());
    expect(component(plan, "miner-edge").endpoints).toEqual({
      ops: "http://127.0.0.1:10082",
      grpc: "127.0.0.1:11082",
      sv2: "127.0.0.1:5333",
    });
    expect(component(plan, "miner-edge").spec.env).toMatchObject({ GH_MINER_EDGE_LISTEN_ADDR: "127.0.0.1:5333" });
    expect(component(plan, "relay-node-2").spec.env).toMatchObject({
      GH_RELAY_NODE_HTTP_ADDR: "127.0.0.1:10286",
      GH_RELAY_NODE_GRPC_ADDR: "127.0.0.1:11286",
      GH_RELAY_NODE_NODE_NAME: "relay-node-2",
      GH_RELAY_NODE_DEV_KEY_SEED: "relay-node-2",
    });
    expect(component(plan, "orchestrator").endpoints.rest).toBe("http://127.0.0.1:5000");
    expect(component(plan, "relay-gateway").endpoints.jsonrpc).toBe("http://127.0.0.1:7002/");
    expect(component(plan, "relay-gateway").readyUrl).toBe("http://127.0.0.1:10085/readyz");
  });

  it("points the services at the stack's bcoin, pool backend, anvil, keys and namespace", () => {
    const plan = planStack(
      input({ namespace: { subjectRoot: "t1", streamPrefix: "T1_", redisPrefix: "t1:", postgresSchema: "t1_orchestrator" } }),
    );
    expect(component(plan, "template-verifier").spec.env).toMatchObject({
      GH_TEMPLATE_VERIFIER_UPSTREAM_URL: "http://127.0.0.1:20443",
      GH_TEMPLATE_VERIFIER_UPSTREAM_RPC_PASSWORD: "dev",
      GH_TEMPLATE_VERIFIER_NATS_SUBJECT_ROOT: "t1",
      GH_TEMPLATE_VERIFIER_NATS_STREAM_PREFIX: "T1_",
    });
    expect(component(plan, "template-verifier").spec.env).not.toHaveProperty("GH_TEMPLATE_VERIFIER_REDIS_URL");
    expect(component(plan, "share-forwarder").spec.env).toMatchObject({
      GH_SHARE_FORWARDER_SHARE_UPSTREAM_URL: "http://127.0.0.1:10090/shares",
    });
    expect(component(plan, "miner-edge").spec.env).toMatchObject({
      GH_MINER_EDGE_NOISE_KEY_FILE: "/repo/.dev/server-identity.json",
      GH_MINER_EDGE_AUTHORITY_PUBLIC_KEY_FILE: "/repo/.dev/authority.pub",
      GH_MINER_EDGE_REDIS_KEY_PREFIX: "t1:",
    });
    expect(component(plan, "orchestrator").spec.env).toMatchObject({
      GH_ORCHESTRATOR_CHAIN_RPC_URL: "http://127.0.0.1:10545",
      GH_ORCHESTRATOR_CHAIN_DEV_CHAIN: "false",
      GH_ORCHESTRATOR_EVIDENCE_DIR: "/repo/.dev/evidence",
    });
    expect(component(plan, "pool-backend").spec.env?.GH_POOL_BACKEND_SECRET).toBe(plan.poolBackend.secret);
    expect(plan.poolBackend.secret).toBe(configs["share-forwarder"].share_upstream_secret);
    expect(component(plan, "anvil").spec.args).toEqual([
      "--host",
      "127.0.0.1",
      "--port",
      "10545",
      "--chain-id",
      "31337",
      "--block-time",
      "1",
      "--silent",
    ]);
    expect(plan.chain.rewardsDistributor).toBe((configs.orchestrator.chain as Record<string, unknown>).rewards_distributor_address);
  });

  it("runs each miner against the edge with the authority key file", () => {
    const plan = planStack(input());
    expect(component(plan, "miner-2").spec.args.slice(1)).toEqual([
      ...["--url", "127.0.0.1:5333", "--authority-key", "/repo/.dev/authority.pub"],
      ...["--connections", "1", "--rate", "0.125", "--worker", "dev.miner-2", "--report-interval-s", "30", "--json"],
    ]);
    expect(planStack(input({ services: ["relay-node", "relay-gateway"] })).components.some((c) => c.kind === "miner")).toBe(false);
  });

  it("refuses a relay-gateway DON that is not the relay nodes the stack starts", () => {
    expect(() => planStack(input({ relayNodes: 3 }))).toThrow(PlanError);
    const gateway = structuredClone(configs["relay-gateway"]) as Record<string, Record<string, unknown>>;
    (gateway.don as Record<string, unknown>).members = [{ name: "relay-node-0", address: `0x${"11".repeat(20)}` }];
    expect(() => planStack(input({ relayNodes: 1, configs: { ...configs, "relay-gateway": gateway } }))).toThrow(/don\.members/);
  });

  it("allows extra environment per component (tests tune timings with it)", () => {
    const plan = planStack(input({ env: { "miner-edge": { GH_MINER_EDGE_MODE: "inline" } } }));
    expect(component(plan, "miner-edge").spec.env?.GH_MINER_EDGE_MODE).toBe("inline");
  });
});

describe("plan helpers", () => {
  it("names environment overrides as the services' config loader reads them", () => {
    expect(envName("relay-gateway", "don_f")).toBe("GH_RELAY_GATEWAY_DON_F");
  });

  it("finds listen addresses at any depth, and only host:port values", () => {
    expect(
      listenAddresses({ http_addr: "127.0.0.1:1", api: { addr: "0.0.0.0:2" }, upstream_url: "http://x:3", other_addr: "nope" }),
    ).toEqual([
      { key: "http_addr", host: "127.0.0.1", port: 1 },
      { key: "api_addr", host: "0.0.0.0", port: 2 },
    ]);
  });

  it("has every dev config's ports distinct, so the stack can run on the defaults", () => {
    const slots = portSlots(configs, SERVICES as readonly ServiceName[], 4);
    const ports = slots.map((s) => s.devPort);
    expect(new Set(ports).size).toBe(ports.length);
    expect(() => shiftedPorts(slots, 60_000)).toThrow(/not a multiple of 2000 below 18000/);
  });

  it("spreads the default miners' rates so they do not find blocks in pairs", () => {
    expect(defaultMiners(3).map((m) => [m.worker, m.rate])).toEqual([
      ["dev.miner-1", 0.1],
      ["dev.miner-2", 0.125],
      ["dev.miner-3", 0.1],
    ]);
  });
});

describe("planStack with service replicas and a NATS cluster", () => {
  const plan = planStack(
    input({ serviceReplicas: 2, streamReplicas: 3, natsUrl: "nats://127.0.0.1:1,nats://127.0.0.1:2,nats://127.0.0.1:3" }),
  );
  const services = plan.components.filter((c) => c.kind === "service");

  it("runs every service twice and each relay node once", () => {
    expect(services.map((c) => c.spec.name)).toEqual([
      "template-verifier",
      "template-verifier#2",
      "share-forwarder",
      "share-forwarder#2",
      "miner-edge",
      "miner-edge#2",
      "relay-node-0",
      "relay-node-1",
      "relay-node-2",
      "relay-node-3",
      "relay-gateway",
      "relay-gateway#2",
      "orchestrator",
      "orchestrator#2",
    ]);
  });

  it("gives each replica its own ports, instance id and (gateways) response subject", () => {
    const addresses = services.flatMap((c) => Object.values(c.endpoints));
    expect(new Set(addresses).size).toBe(addresses.length);
    const edge2 = component(plan, "miner-edge#2").spec.env ?? {};
    expect(edge2[envName("miner-edge", "instance_id")]).toBe("miner-edge-2");
    expect(component(plan, "relay-gateway#2").spec.env?.[envName("relay-gateway", "gateway_id")]).toBe("gateway-1");
    expect(component(plan, "relay-gateway").spec.env?.[envName("relay-gateway", "gateway_id")]).toBeUndefined();
  });

  it("hands every service the cluster's URLs and the stream replicas", () => {
    for (const c of services) {
      const service = c.spec.name.replace(/#\d+$/, "").replace(/-\d+$/, "");
      expect(c.spec.env?.[envName(service, "nats_url")]).toBe("nats://127.0.0.1:1,nats://127.0.0.1:2,nats://127.0.0.1:3");
      expect(c.spec.env?.[envName(service, "nats_stream_replicas")]).toBe("3");
    }
  });
});
