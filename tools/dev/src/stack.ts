// Brings the planned stack up on this machine, in order, and hands back a handle on every process:
// `make dev` (main.ts) and the end-to-end tests both use it. Over 350 lines because startStack is
// one ordered bring-up (infrastructure, namespace, keys, chain, services, miners) whose steps share
// the list of started processes and the cleanups that undo them on failure; its parts (planning,
// ports, infrastructure, chain, regtest, namespace removal) live in their own modules.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvariantError, pollUntil } from "@gatehouse/service";
import { anvilBinary, chainAnswers, type Deployment, deployContracts } from "./chain.js";
import { loadDevConfigs, repositoryRoot } from "./configs.js";
import { ComponentStartError, PlanError } from "./errors.js";
import { DEFAULT_POSTGRES_URL, ensureNats, ensurePostgres, ensureRedis, type Server } from "./infra.js";
import { type DevKeys, ensureDevKeys } from "./keys.js";
import { instancesOf, portSlots, SERVICES, type ServiceName, type TomlTable } from "./layout.js";
import { removeNamespace } from "./namespace.js";
import { clusterUrl, jetStreamAnswers, natsClusterNodes, natsClusterPorts } from "./nats-cluster.js";
import {
  type ComponentPlan,
  DEFAULT_MINER_COUNT,
  DEFAULT_RELAY_NODES,
  defaultMiners,
  type MinerSpec,
  type Namespace,
  natsNodePlan,
  natsPlan,
  planStack,
  type StackPlan,
} from "./plan.js";
import { freePorts, portsInUse, shiftedPorts, stablePort } from "./ports.js";
import { answers200, natsWithJetStream } from "./probe.js";
import { BcoinClient, MempoolFiller, TxActivity, type WalletName } from "./regtest.js";
import { Supervised } from "./supervisor.js";

export interface StackOptions {
  /** The repository (default: the one this file is in). */
  root?: string;
  /** Development ports shifted by `offset` (`make dev`), or a free port for everything (tests). */
  ports?: { offset: number } | "free";
  /**
   * "shared": the NATS answering on 4222, else one started for the run. "private": a nats-server
   * of the stack's own on a free port, a component like any other (tests kill -9 and restart it;
   * its JetStream store survives).
   */
  nats?: "shared" | "private";
  /**
   * More than 1: a private JetStream cluster of that many nats-server nodes on loopback
   * (`nats-0`, `nats-1`, …; each restartable with its store), whatever `nats` says.
   */
  natsNodes?: number;
  /** `nats.stream_replicas` of every service; default 1, or 3 (at most the node count) on a cluster. */
  streamReplicas?: number;
  /** Processes per service (relay nodes excepted); default 1. */
  serviceReplicas?: number;
  /** Redis to use; default the one on 6379, else one started for the run. */
  redisUrl?: string;
  /** PostgreSQL for the orchestrator's workflow store; default the one on 5432 (see ensurePostgres). */
  postgresUrl?: string;
  namespace?: Partial<Namespace>;
  /** Keys (reused across runs), evidence; default `<root>/.dev`. */
  devDir?: string;
  services?: readonly ServiceName[];
  relayNodes?: number;
  miners?: readonly MinerSpec[];
  /** Milliseconds between wallet payments on the regtest node; 0 = none. */
  txIntervalMs?: number;
  /** Keep this many bytes of payments in bcoin's mempool (full, 4 M-weight templates); 0 = off. */
  fillMempoolBytes?: number;
  /** Restart processes that exit on their own (make dev); tests restart them themselves. */
  autoRestart?: boolean;
  onLine?: (component: string, line: string) => void;
  onNotice?: (component: string, message: string) => void;
  /** Extra environment per component, e.g. `{ "miner-edge": { GH_MINER_EDGE_MODE: "inline" } }`. */
  env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readyTimeoutMs?: number;
  /** On stop, delete the namespace's Redis keys, streams and PostgreSQL schema and the dev folder (tests). */
  cleanUp?: boolean;
  /**
   * Before starting, delete the namespace's Redis keys, streams and PostgreSQL schema left by an earlier run (make dev:
   * bcoin and anvil start empty, so workflow records, signer nonces and stored blocks of the last
   * run describe chains that no longer exist).
   */
  fresh?: boolean;
}

export interface Stack {
  readonly plan: StackPlan;
  /** Comma-separated when NATS is a cluster. */
  readonly natsUrl: string;
  /** The NATS components (`nats`, or `nats-0`, `nats-1`, … of a cluster). */
  readonly natsNames: readonly string[];
  readonly streamReplicas: number;
  readonly redisUrl: string;
  readonly postgresUrl: string;
  readonly namespace: Namespace;
  readonly devDir: string;
  readonly keys: DevKeys;
  readonly bcoin: BcoinClient;
  readonly wallets: Record<WalletName, string>;
  readonly txActivity: TxActivity;
  readonly deployment: Deployment;
  /** The regtest height once the wallets were funded, before any block was mined through the edge. */
  readonly fundedHeight: number;
  /** Component names in start order. */
  readonly names: readonly string[];
  /** Milliseconds from the call to everything ready. */
  readonly startupMs: number;
  process(name: string): Supervised;
  /** The processes of a service: `miner-edge`, `miner-edge#2`, … (relay-node: `relay-node-0`, …). */
  instances(service: ServiceName): string[];
  endpoints(name: string): Record<string, string>;
  /** A service's config/dev.toml as the stack read it (before environment overrides). */
  config(service: ServiceName): TomlTable;
  /** The last lines a component wrote (for failure messages). */
  tail(name: string): string[];
  /** Waits until the component answers its readiness check (services: /readyz 200). */
  waitReady(name: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const TAIL_LINES = 40;
/** A wallet payment every 2 s: most templates carry a few fee-paying transactions. */
const DEFAULT_TX_INTERVAL_MS = 2_000;
const STOP_ORDER = ["miner", "service", "infra"] as const;

/** Starts the whole stack; on any failure stops what it started and rethrows. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const startedAt = Date.now();
  const root = options.root ?? repositoryRoot();
  const services = options.services ?? SERVICES;
  const relayNodes = options.relayNodes ?? DEFAULT_RELAY_NODES;
  const serviceReplicas = options.serviceReplicas ?? 1;
  const natsNodes = options.natsNodes ?? 1;
  const streamReplicas = options.streamReplicas ?? (natsNodes > 1 ? Math.min(3, natsNodes) : 1);
  const autoRestart = options.autoRestart ?? true;
  const onLine = options.onLine ?? (() => {});
  const onNotice = options.onNotice ?? (() => {});
  const subjectRoot = options.namespace?.subjectRoot ?? "gh";
  const namespace: Namespace = {
    subjectRoot,
    streamPrefix: options.namespace?.streamPrefix ?? "",
    redisPrefix: options.namespace?.redisPrefix ?? `${subjectRoot}:`,
    postgresSchema: options.namespace?.postgresSchema ?? `${subjectRoot.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_orchestrator`,
  };
  const devDir = options.devDir ?? join(root, ".dev");

  const configs = loadDevConfigs(root);
  const slots = portSlots(configs, services, relayNodes, serviceReplicas);
  const portChoice = options.ports ?? { offset: 0 };
  const ports = portChoice === "free" ? await freePorts(slots) : shiftedPorts(slots, portChoice.offset);
  const busy = await portsInUse(slots, ports);
  if (busy.length > 0) {
    throw new PlanError(
      `ports already in use: ${busy.join(", ")}. Is another stack running? (make dev DEV_ARGS="--ports-offset 2000" runs a second one)`,
    );
  }

  const tails = new Map<string, string[]>();
  const supervised = new Map<string, Supervised>();
  const plans = new Map<string, ComponentPlan>();
  const cleanups: Array<() => Promise<void> | void> = [];
  const supervise = (plan: ComponentPlan): Supervised => {
    const name = plan.spec.name;
    const tail: string[] = [];
    tails.set(name, tail);
    const proc = new Supervised(plan.spec, {
      autoRestart,
      onLine: (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        onLine(name, line);
      },
      onNotice: (message) => onNotice(name, message),
    });
    supervised.set(name, proc);
    plans.set(name, plan);
    return proc;
  };
  const killAll = () => {
    for (const proc of supervised.values()) proc.killNow();
  };
  process.on("exit", killAll);

  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    for (const kind of STOP_ORDER) {
      await Promise.all([...supervised.values()].filter((p) => plans.get(p.name)?.kind === kind).map((p) => p.stop(10_000)));
    }
    const nats = supervised.get("nats");
    if (nats) await nats.stop(5_000);
    for (const cleanup of cleanups.reverse()) await cleanup();
    process.off("exit", killAll);
  };

  const failure = (name: string, why: string) => {
    const lines = tails.get(name) ?? [];
    return new ComponentStartError(name, `${name} ${why}${lines.length > 0 ? `; its last output:\n${lines.slice(-15).join("\n")}` : ""}`);
  };
  /** Polls `check` until true; fails early when the component stopped running. */
  const readyWhen = async (name: string, check: () => Promise<boolean>, timeoutMs: number) => {
    const proc = supervised.get(name);
    const ready = await pollUntil(
      async () => {
        if (await check()) return true;
        if (proc && !proc.running && !autoRestart) throw failure(name, `exited (${JSON.stringify(proc.lastExit)}) before it was ready`);
        return false;
      },
      { timeoutMs, intervalMs: 150, onError: "fail" },
    );
    if (!ready.value) throw failure(name, `not ready within ${timeoutMs} ms`);
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;

  try {
    // NATS and Redis.
    let natsUrl: string;
    const natsNames: string[] = [];
    if (natsNodes > 1) {
      const storeRoot = mkdtempSync(join(tmpdir(), "gh-stack-nats-cluster-"));
      cleanups.push(() => rmSync(storeRoot, { recursive: true, force: true }));
      const nodes = natsClusterNodes(`gh-${namespace.subjectRoot}`, await natsClusterPorts(natsNodes, Object.values(ports)), storeRoot);
      for (const node of nodes) {
        mkdirSync(node.storeDir, { recursive: true });
        supervise(natsNodePlan(node)).start();
        natsNames.push(node.name);
      }
      await Promise.all(nodes.map((node) => readyWhen(node.name, () => jetStreamAnswers(node.clientUrl), 30_000)));
      natsUrl = clusterUrl(nodes);
    } else if (options.nats === "private") {
      const port = await stablePort("127.0.0.1", new Set(Object.values(ports)));
      const store = mkdtempSync(join(tmpdir(), "gh-stack-nats-"));
      cleanups.push(() => rmSync(store, { recursive: true, force: true }));
      supervise(natsPlan(port, store)).start();
      natsNames.push("nats");
      await readyWhen("nats", () => natsWithJetStream("127.0.0.1", port), 15_000);
      natsUrl = `nats://127.0.0.1:${port}`;
    } else {
      const nats: Server = await ensureNats();
      cleanups.push(() => nats.stop());
      if (nats.started) onNotice("nats", `started ${nats.started}`);
      natsUrl = nats.url;
    }
    let redisUrl = options.redisUrl;
    if (!redisUrl) {
      const redis = await ensureRedis();
      cleanups.push(() => redis.stop());
      if (redis.started) onNotice("redis", `started ${redis.started}`);
      redisUrl = redis.url;
    }
    let postgresUrl = options.postgresUrl;
    if (!postgresUrl) {
      const postgres = await ensurePostgres(process.env.GH_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL);
      if (postgres.started) onNotice("postgres", `started ${postgres.started}`);
      postgresUrl = postgres.url;
    }
    const servers = { natsUrl, redisUrl, postgresUrl };
    if (options.fresh) await removeNamespace(servers, namespace, true);
    const ownNats = options.nats === "private" || natsNodes > 1;
    if (options.cleanUp) cleanups.push(() => removeNamespace(servers, namespace, !ownNats));

    mkdirSync(devDir, { recursive: true });
    if (options.cleanUp) cleanups.push(() => rmSync(devDir, { recursive: true, force: true }));
    const keys = ensureDevKeys(devDir);
    const plan = planStack({
      root,
      configs,
      services,
      ports,
      natsUrl,
      redisUrl,
      postgresUrl,
      namespace,
      keys: { serverIdentityFile: keys.serverIdentityFile, authorityPublicKeyFile: keys.authorityPublicKeyFile },
      evidenceDir: join(devDir, "evidence"),
      // make dev keeps the documented key ("dev"); test stacks use their own.
      bcoinApiKey: portChoice === "free" ? randomBytes(12).toString("hex") : "dev",
      anvilBinary: anvilBinary(root),
      relayNodes,
      serviceReplicas,
      streamReplicas,
      miners: options.miners ?? defaultMiners(DEFAULT_MINER_COUNT),
      ...(options.env ? { env: options.env } : {}),
    });
    const byKind = (kind: ComponentPlan["kind"]) => plan.components.filter((c) => c.kind === kind);
    for (const component of plan.components) supervise(component);

    // bcoin, anvil and the pool backend; then the wallets' coins and the contracts.
    for (const component of byKind("infra")) supervised.get(component.spec.name)?.start();
    const bcoin = new BcoinClient(plan.bcoin.rpcUrl, plan.bcoin.walletUrl, plan.bcoin.apiKey);
    await Promise.all([
      readyWhen("bcoin", () => bcoin.answers(), 30_000),
      readyWhen("anvil", () => chainAnswers(plan.chain.rpcUrl), 30_000),
      readyWhen("pool-backend", () => answers200(`${plan.poolBackend.adminUrl}/stats`), 30_000),
    ]);
    const [wallets, deployment] = await Promise.all([
      bcoin.fundWallets(),
      deployContracts(root, plan.chain.rpcUrl, plan.chain.rewardsDistributor),
    ]);
    const fundedHeight = await bcoin.height();
    onNotice("bcoin", `wallets funded (segwit ${wallets.segwit}, legacy ${wallets.legacy}), height ${fundedHeight}`);
    onNotice("anvil", `contracts deployed: RewardsDistributor ${deployment.rewardsDistributor}, StudioProxy ${deployment.studioProxy}`);
    const txActivity = new TxActivity(bcoin, wallets, options.txIntervalMs ?? DEFAULT_TX_INTERVAL_MS, (message) =>
      onNotice("bcoin", message),
    );
    cleanups.push(() => txActivity.stop());
    if ((options.txIntervalMs ?? DEFAULT_TX_INTERVAL_MS) > 0) {
      await txActivity.sendOne();
      txActivity.start();
    }

    if ((options.fillMempoolBytes ?? 0) > 0) {
      const filler = new MempoolFiller(bcoin, options.fillMempoolBytes as number, 10_000, (message) => onNotice("bcoin", message));
      cleanups.push(() => filler.stop());
      filler.start();
    }

    // The services, then the miners once the edge serves.
    for (const component of byKind("service")) supervised.get(component.spec.name)?.start();
    await Promise.all(byKind("service").map((c) => readyWhen(c.spec.name, () => answers200(c.readyUrl as string), readyTimeoutMs)));
    for (const component of byKind("miner")) supervised.get(component.spec.name)?.start();

    const names = [...supervised.keys()];
    return {
      plan,
      natsUrl,
      natsNames,
      streamReplicas,
      redisUrl,
      postgresUrl,
      namespace,
      devDir,
      keys,
      bcoin,
      wallets,
      txActivity,
      deployment,
      fundedHeight,
      names,
      startupMs: Date.now() - startedAt,
      process(name) {
        const proc = supervised.get(name);
        if (!proc) throw new InvariantError(`no component ${name}; the stack runs ${names.join(", ")}`);
        return proc;
      },
      instances: (service) => instancesOf(service, relayNodes, serviceReplicas).filter((name) => supervised.has(name)),
      endpoints(name) {
        const component = plans.get(name);
        if (!component) throw new InvariantError(`no component ${name}; the stack runs ${names.join(", ")}`);
        return { ...component.endpoints };
      },
      config: (service) => structuredClone(configs[service]),
      tail: (name) => [...(tails.get(name) ?? [])],
      async waitReady(name, timeoutMs = readyTimeoutMs) {
        const component = plans.get(name);
        if (!component) throw new InvariantError(`no component ${name}`);
        const check =
          name === "nats"
            ? () => natsWithJetStream("127.0.0.1", Number(new URL(component.endpoints.client as string).port))
            : natsNames.includes(name)
              ? () => jetStreamAnswers(component.endpoints.client as string)
              : name === "bcoin"
                ? () => bcoin.answers()
                : name === "anvil"
                  ? () => chainAnswers(plan.chain.rpcUrl)
                  : component.readyUrl
                    ? () => answers200(component.readyUrl as string)
                    : async () => supervised.get(name)?.running === true;
        await readyWhen(name, check, timeoutMs);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
