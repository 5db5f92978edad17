// The part of Gatehouse's dev stack the mining path needs, planned exactly as `make dev` plans it
// (tools/dev planStack: same configs, environment and keys) but without bcoin and anvil: the pool
// backend, share-forwarder, miner-edge, loadgen miners, and one template-verifier per path, pointed
// at Core's RPC or at sv2-tp.
import {
  answers200,
  type ComponentPlan,
  ensureDevKeys,
  envName,
  freePorts,
  loadDevConfigs,
  type MinerSpec,
  type Namespace,
  PlanError,
  planStack,
  portSlots,
  type ServiceName,
  Supervised,
} from "@gatehouse/dev";
import { waitFor } from "@gatehouse/testkit";
import { PeerStartError } from "./errors.js";

const SERVICES: readonly ServiceName[] = ["template-verifier", "share-forwarder", "miner-edge"];
const TAIL_LINES = 80;

/** Where one template-verifier takes its templates from. */
export type TemplatePath =
  | { kind: "rpc"; url: string; user: string; password: string }
  | { kind: "tdp"; address: string; authorityKey: string };

export interface GatehouseOptions {
  root: string;
  natsUrl: string;
  redisUrl: string;
  namespace: Namespace;
  devDir: string;
  miners: readonly MinerSpec[];
  echo: boolean;
}

export class Gatehouse {
  readonly #procs = new Map<string, Supervised>();
  readonly #tails = new Map<string, string[]>();
  readonly #components: Map<string, ComponentPlan>;
  #verifier: Supervised | undefined;

  private constructor(
    components: ComponentPlan[],
    private readonly echo: boolean,
  ) {
    this.#components = new Map(components.map((c) => [c.spec.name, c]));
  }

  /** Plans the pieces and starts the pool backend, share-forwarder and miner-edge (not yet a verifier or miners). */
  static async start(options: GatehouseOptions): Promise<Gatehouse> {
    const configs = loadDevConfigs(options.root);
    const ports = await freePorts(portSlots(configs, SERVICES, 0));
    const keys = ensureDevKeys(options.devDir);
    const plan = planStack({
      root: options.root,
      configs,
      services: SERVICES,
      ports,
      natsUrl: options.natsUrl,
      redisUrl: options.redisUrl,
      namespace: options.namespace,
      keys: { serverIdentityFile: keys.serverIdentityFile, authorityPublicKeyFile: keys.authorityPublicKeyFile },
      evidenceDir: options.devDir,
      // Planned for the dev stack's bcoin and anvil, which this composition never starts.
      bcoinApiKey: "unused",
      anvilBinary: "anvil",
      relayNodes: 0,
      miners: options.miners,
    });
    const gatehouse = new Gatehouse(
      plan.components.filter((c) => c.spec.name !== "bcoin" && c.spec.name !== "anvil"),
      options.echo,
    );
    try {
      for (const name of ["pool-backend", "share-forwarder", "miner-edge"]) gatehouse.#start(gatehouse.#plan(name).spec);
      for (const name of ["pool-backend", "share-forwarder", "miner-edge"]) await gatehouse.#ready(name);
    } catch (err) {
      await gatehouse.stop();
      throw err;
    }
    return gatehouse;
  }

  /** Starts a template-verifier taking templates from `path` only, replacing the previous one. */
  async useTemplatePath(path: TemplatePath): Promise<void> {
    await this.#verifier?.stop(10_000);
    const base = this.#plan("template-verifier").spec;
    const env = (key: string, value: string) => [envName("template-verifier", key), value] as const;
    const pathEnv =
      path.kind === "rpc"
        ? [
            env("upstream_url", path.url),
            env("upstream_rpc_user", path.user),
            env("upstream_rpc_password", path.password),
            env("tdp_addr", ""),
          ]
        : [
            env("upstream_url", ""),
            env("upstream_rpc_password", ""),
            env("tdp_addr", path.address),
            env("tdp_authority_public_key", path.authorityKey),
          ];
    const name = `template-verifier-${path.kind}`;
    this.#verifier = this.#start({ ...base, name, env: { ...base.env, ...Object.fromEntries(pathEnv) } });
    await this.#ready("template-verifier", name);
  }

  startMiners(): void {
    for (const c of this.#components.values()) if (c.kind === "miner") this.#start(c.spec);
  }

  async stopMiners(): Promise<void> {
    await Promise.all(
      [...this.#components.values()].filter((c) => c.kind === "miner").map((c) => this.#procs.get(c.spec.name)?.stop(10_000)),
    );
  }

  /** Last output lines of a component, for the report when a check fails. */
  tail(name: string): string[] {
    return [...(this.#tails.get(name) ?? [])];
  }

  async stop(): Promise<void> {
    await this.stopMiners();
    await Promise.all([...this.#procs.values()].map((p) => p.stop(10_000)));
  }

  #plan(name: string): ComponentPlan {
    const plan = this.#components.get(name);
    if (!plan) throw new PlanError(`no ${name} in the plan`);
    return plan;
  }

  #start(spec: ComponentPlan["spec"]): Supervised {
    let proc = this.#procs.get(spec.name);
    if (!proc) {
      const tail: string[] = [];
      this.#tails.set(spec.name, tail);
      proc = new Supervised(spec, {
        autoRestart: false,
        onLine: (line) => {
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
          if (this.echo) process.stderr.write(`[${spec.name}] ${line}\n`);
        },
        onNotice: (message) => process.stderr.write(`[${spec.name}] ${message}\n`),
      });
      this.#procs.set(spec.name, proc);
    }
    proc.start();
    return proc;
  }

  async #ready(planName: string, procName = planName): Promise<void> {
    const url = this.#plan(planName).readyUrl;
    const proc = this.#procs.get(procName);
    await waitFor(
      async () => {
        if (proc && !proc.running) throw new PeerStartError(`${procName} exited: ${this.tail(procName).slice(-10).join("\n")}`);
        return url ? answers200(url) : true;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: `${procName} ready (${url ?? "running"})` },
    );
  }
}
