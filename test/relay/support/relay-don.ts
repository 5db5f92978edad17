// A relay DON for integration tests: relay-node processes (F = 1 with four) and relay-gateway
// processes over the shared NATS and Redis, in a namespace of their own. Needs `make build`.
import { createHash } from "node:crypto";
import {
  addressFromPrivateKey,
  devKey,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  METHOD_SECRETS_GET,
  signDevAttestation,
} from "@gatehouse/relay";
import { natsUrl, redisUrl, removeNamespace, ServiceProcess, type TestNamespace, testNamespace } from "@gatehouse/testkit";
import { secp256k1 } from "@noble/curves/secp256k1.js";

/** Five processes loading at once on a shared 2-core machine can take well over the default 20 s. */
const START_TIMEOUT_MS = 90_000;

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export const enclaveKey = devKey("e2e-enclave");
export const enclavePub = Buffer.from(secp256k1.getPublicKey(enclaveKey, false)).toString("hex");
export const intruderKey = devKey("e2e-intruder");
export const owner = `0x${"5a".repeat(20)}`;

export interface RelayDonOptions {
  /** Test namespace name. */
  name: string;
  /** sender → bearer token. */
  tokens: Record<string, string>;
}

export class RelayDon {
  readonly ns: TestNamespace;
  readonly nodes: Array<{ name: string; seed: string; address: string }>;
  readonly procs = new Map<string, ServiceProcess>();
  readonly #running: ServiceProcess[] = [];

  constructor(private readonly options: RelayDonOptions) {
    this.ns = testNamespace(options.name);
    this.nodes = Array.from({ length: 4 }, (_, i) => ({
      name: `${options.name}-n${i}`,
      seed: `e2e-node-${i}`,
      address: addressFromPrivateKey(devKey(`e2e-node-${i}`)),
    }));
  }

  shared(): Record<string, unknown> {
    return { nats: { url: natsUrl(), subject_root: this.ns.subjectRoot }, redis: { url: redisUrl(), key_prefix: this.ns.redisPrefix } };
  }

  /** Starts the four nodes, each with `config` on top of the defaults. */
  async startNodes(config: Record<string, unknown> = {}): Promise<void> {
    const started = await Promise.all(
      this.nodes.map((n) =>
        ServiceProcess.start({
          service: "relay-node",
          startTimeoutMs: START_TIMEOUT_MS,
          config: {
            ...this.shared(),
            node_name: n.name,
            dev_key_seed: n.seed,
            shutdown_timeout_ms: 2_000,
            attestation: { mode: "dev", dev_enclave_addresses: [addressFromPrivateKey(enclaveKey)] },
            ...config,
          },
        }),
      ),
    );
    for (const [i, p] of started.entries()) this.#track(this.nodes[i]?.name as string, p);
  }

  gatewayConfig(id: string): Record<string, unknown> {
    return {
      ...this.shared(),
      rpc_addr: "127.0.0.1:0",
      gateway_id: id,
      gateway_timeout_ms: 20_000,
      request_timeout_ms: 15_000,
      probe_interval_ms: 200,
      shutdown_timeout_ms: 3_000,
      auth: {
        mode: "tokens",
        tokens: Object.entries(this.options.tokens).map(([sender, token]) => ({ sender, token_sha256: sha256(token) })),
      },
      don: { don_id: this.options.name, f: 1, members: this.nodes.map(({ name, address }) => ({ name, address })) },
    };
  }

  async startGateway(id: string): Promise<ServiceProcess> {
    const proc = await ServiceProcess.start({ service: "relay-gateway", config: this.gatewayConfig(id), startTimeoutMs: START_TIMEOUT_MS });
    this.#track(id, proc);
    return proc;
  }

  #track(name: string, proc: ServiceProcess): void {
    this.#running.push(proc);
    this.procs.set(name, proc);
  }

  async stop(): Promise<void> {
    await Promise.all(this.#running.map((p) => p.stop("SIGKILL")));
    await removeNamespace(this.ns);
  }
}

const common = () => ({ workflow_id: "wf-e2e", owner, execution_id: sha256(String(Math.random())) });

/** Attested `confidential.secrets.get` params, as an enclave sends them. */
export function secretsParams(keys: string[], signer = enclaveKey): JsonObject {
  const params: JsonObject = { ...common(), secrets: keys.map((key) => ({ key, namespace: "main" })), enclave_public_key: enclavePub };
  return { ...params, attestation: signDevAttestation(signer, METHOD_SECRETS_GET, params) };
}

/** Attested `confidential.capability.execute` params. */
export function capabilityParams(capability: string, payload: Buffer, signer = enclaveKey): JsonObject {
  const params: JsonObject = { ...common(), reference_id: "ref", capability_id: capability, payload: payload.toString("base64") };
  return { ...params, attestation: signDevAttestation(signer, METHOD_CAPABILITY_EXECUTE, params) };
}
