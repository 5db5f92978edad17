// Shared set-up of the orchestrator's integration tests: anvil + contracts, an isolated
// NATS/Redis namespace and PostgreSQL schema, orchestrator processes, and clean-up of all of it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus } from "@gatehouse/bus";
import { GatewayClient } from "@gatehouse/sdk";
import { Redis } from "@gatehouse/service";
import { natsUrl, postgresUrl, redisUrl, ServiceProcess, type TestNamespace, testNamespace } from "@gatehouse/testkit";
import { afterAll, afterEach, beforeAll, beforeEach } from "@jest/globals";
import pg from "pg";
import { type Address, createPublicClient, createWalletClient, type Hex, http, keccak256, stringToHex, toFunctionSelector } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type rewardsDistributorAbi, studioProxyAbi } from "../src/chain/abi.js";
import { ANVIL_KEYS, Anvil } from "../src/chain/anvil.js";
import { type Deployment, deployContracts } from "../src/chain/deploy.js";
import type { TxRecord } from "../src/chain/tx-record.js";
import { quoteSchema } from "../src/persistence/postgres/migrations.js";
import { PostgresTxStore } from "../src/persistence/postgres/tx-store.js";
import { RedisTxStore } from "../src/persistence/redis/tx-store.js";

/** Leases and signer locks short enough that a killed replica's work is taken over within seconds. */
export const FAST_TAKEOVER = { engine: { lease_ms: 1_500 }, chain: { signer_lock_ttl_ms: 1_500 } };
/** Selectors of the work transactions the tests count on chain. */
export const SUBMIT_WORK = toFunctionSelector("submitWork(bytes32,bytes32,bytes32,bytes)");
export const REGISTER_WORK = toFunctionSelector("registerWork(address,uint64,bytes32)");

export const OWNER_KEY = ANVIL_KEYS[0] as Hex;
export const OWNER = privateKeyToAccount(OWNER_KEY).address;
export const SIGNER_KEYS = ANVIL_KEYS.slice(0, 4) as Hex[];
export const AGENTS = SIGNER_KEYS.map((k) => privateKeyToAccount(k).address);

export type StoreBackend = "postgres" | "redis";

export interface TestEnv {
  anvil: Anvil;
  deployment: Deployment;
  ns: TestNamespace;
  evidenceDir: string;
  redis: Redis;
  /** The workflow store the orchestrators of this env use (the production default unless a test asks). */
  backend: StoreBackend;
  /** A client on the test's PostgreSQL (the store's tables are in `ns.postgresSchema`). */
  pg: pg.Pool;
  processes: ServiceProcess[];
}

/** Fails fast, and says what to do, when the PostgreSQL the tests need is not there. */
async function connectTestPostgres(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: postgresUrl(), max: 4, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end();
    throw new Error(
      `PostgreSQL is not reachable at ${postgresUrl()} (${(err as Error).message}): the orchestrator's tests need it. ` +
        "Start it (Debian: pg_ctlcluster 15 main start) or point GH_TEST_POSTGRES_URL at one.",
    );
  }
  return pool;
}

export async function setUp(label: string, options: { blockTimeSeconds?: number; backend?: StoreBackend } = {}): Promise<TestEnv> {
  const pool = await connectTestPostgres();
  const anvil = await Anvil.start(options.blockTimeSeconds ? { blockTimeSeconds: options.blockTimeSeconds } : {});
  const deployment = await deployContracts({ rpcUrl: anvil.rpcUrl, ownerKey: OWNER_KEY, agentKeys: SIGNER_KEYS });
  const ns = testNamespace(label);
  const redis = new Redis(redisUrl(), { keyPrefix: ns.redisPrefix, maxRetriesPerRequest: 2 });
  return {
    anvil,
    deployment,
    ns,
    evidenceDir: mkdtempSync(join(tmpdir(), "gh-orch-evidence-")),
    redis,
    // GH_TEST_ORCH_STORE=redis runs the suites on the Redis store, to compare the two.
    backend: options.backend ?? (process.env.GH_TEST_ORCH_STORE === "redis" ? "redis" : "postgres"),
    pg: pool,
    processes: [],
  };
}

/**
 * The preamble of an integration test file: sets an env up before the file's tests (before each
 * test with `perTest`) and tears it down after; returns the env in force.
 */
export function useTestEnv(label: string, options: { perTest?: boolean; backend?: StoreBackend } = {}): () => TestEnv {
  let env: TestEnv | undefined;
  const [before, after] = options.perTest ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    env = await setUp(label, options.backend ? { backend: options.backend } : {});
  }, 60_000);
  after(() => tearDown(env), 30_000);
  return () => {
    if (!env) throw new Error(`the ${label} test env is not set up`);
    return env;
  };
}

/** Submits work item `label` for `worker` with a small DKG thread, as the crash and store-loss tests do. */
export function submitDkgWork(
  env: TestEnv,
  proc: ServiceProcess,
  label: string,
  worker: string,
  evidence: string | Uint8Array = "evidence",
) {
  return gateway(proc).submitWork(env.deployment.studioProxy, 1, worker, dataHash(label), "", "", evidence, worker, {
    dkgEvidence: evidenceFor(label, worker),
  });
}

/** The mined submitWork and registerWork transactions of work `hash`: exactly one each when nothing was sent twice. */
export async function workTransactions(env: TestEnv, hash: Hex) {
  const mined = (await minedTransactions(env)).filter((tx) => tx.input.includes(hash.slice(2)));
  return {
    submits: mined.filter((tx) => tx.input.startsWith(SUBMIT_WORK)),
    registers: mined.filter((tx) => tx.input.startsWith(REGISTER_WORK)),
  };
}

/** The persisted record of transaction `key` (`<workflow id>:<step>`), from whichever store the env uses. */
export function storedTx(env: TestEnv, key: string): Promise<TxRecord | undefined> {
  if (env.backend === "redis") return new RedisTxStore(env.redis).load(key);
  const postgres = { pool: env.pg, schema: quoteSchema(env.ns.postgresSchema), close: async () => undefined };
  return new PostgresTxStore(postgres).load(key);
}

const STORE_TABLES = ["workflows", "workflow_keys", "signers", "transactions"];

/**
 * A point-in-time copy of the env's PostgreSQL store; the returned function puts the store back
 * to it, as if every write after the copy had been lost (a primary that acknowledged writes it
 * never made durable, or a failover to a replica that had not received them).
 */
export async function snapshotStore(env: TestEnv): Promise<() => Promise<void>> {
  const live = `"${env.ns.postgresSchema}"`;
  const snap = `"${env.ns.postgresSchema}_snap"`;
  await env.pg.query(`DROP SCHEMA IF EXISTS ${snap} CASCADE`);
  await env.pg.query(`CREATE SCHEMA ${snap}`);
  for (const table of STORE_TABLES) await env.pg.query(`CREATE TABLE ${snap}.${table} AS TABLE ${live}.${table}`);
  return async () => {
    const client = await env.pg.connect();
    try {
      await client.query("BEGIN");
      for (const table of STORE_TABLES) {
        await client.query(`DELETE FROM ${live}.${table}`);
        await client.query(`INSERT INTO ${live}.${table} SELECT * FROM ${snap}.${table}`);
      }
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  };
}

/** The stored state of workflow `id`, from whichever store the env uses. */
export async function storedState(env: TestEnv, id: string): Promise<string | undefined> {
  if (env.backend === "redis") return (await env.redis.hget(`wf:${id}`, "state")) ?? undefined;
  const { rows } = await env.pg.query<{ state: string }>(`SELECT state FROM "${env.ns.postgresSchema}".workflows WHERE id = $1`, [id]);
  return rows[0]?.state;
}

export function orchestratorConfig(
  env: TestEnv,
  overrides: Record<string, Record<string, unknown> | unknown[]> = {},
): Record<string, unknown> {
  return {
    nats: { url: natsUrl(), subject_root: env.ns.subjectRoot, stream_prefix: env.ns.streamPrefix },
    redis: { url: redisUrl(), key_prefix: env.ns.redisPrefix },
    store: { backend: env.backend, postgres_url: postgresUrl(), postgres_schema: env.ns.postgresSchema, ...(overrides.store as object) },
    api: { addr: "127.0.0.1:0", writes_per_minute: 0, ...(overrides.api as object) },
    chain: {
      rpc_url: env.anvil.rpcUrl,
      chain_id: env.anvil.chainId,
      rewards_distributor_address: env.deployment.rewardsDistributor,
      signer_secrets: SIGNER_KEYS,
      confirmation_blocks: 1,
      poll_interval_ms: 50,
      ...(overrides.chain as object),
    },
    engine: {
      tick_ms: 20,
      backoff_base_ms: 50,
      backoff_max_ms: 500,
      sweep_interval_ms: 200,
      stall_resume_after_ms: 1_000,
      lease_ms: 5_000,
      ...(overrides.engine as object),
    },
    evidence: { dir: env.evidenceDir },
    ...(overrides.crash_points ? { crash_points: overrides.crash_points } : {}),
  };
}

export async function startOrchestrator(env: TestEnv, overrides: Parameters<typeof orchestratorConfig>[1] = {}): Promise<ServiceProcess> {
  const proc = await ServiceProcess.start({
    service: "orchestrator",
    config: orchestratorConfig(env, overrides),
    env: { GH_ALLOW_CRASH_POINTS: "1" },
    // Several orchestrators start at once on a shared 2-core machine: wait for each as long as it takes.
    startTimeoutMs: 60_000,
  });
  env.processes.push(proc);
  return proc;
}

export function gateway(proc: ServiceProcess): GatewayClient {
  return new GatewayClient({ baseUrl: proc.endpoints.rest as string, pollInterval: 50, maxPollTime: 60_000 });
}

export async function tearDown(env: TestEnv | undefined): Promise<void> {
  if (!env) return;
  await Promise.all(env.processes.map((p) => p.stop("SIGKILL")));
  await env.anvil.stop();
  env.redis.disconnect();
  await env.pg.query(`DROP SCHEMA IF EXISTS "${env.ns.postgresSchema}" CASCADE`);
  await env.pg.query(`DROP SCHEMA IF EXISTS "${env.ns.postgresSchema}_snap" CASCADE`);
  await env.pg.end();
  // A client without the key prefix: SCAN patterns and DEL keys are then the full names.
  const plain = new Redis(redisUrl(), { maxRetriesPerRequest: 2 });
  const keys: string[] = [];
  for (let cursor = "0"; ; ) {
    const [next, batch] = await plain.scan(cursor, "MATCH", `${env.ns.redisPrefix}*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
    if (cursor === "0") break;
  }
  for (let i = 0; i < keys.length; i += 500) await plain.del(...keys.slice(i, i + 500));
  plain.disconnect();
  const bus = await Bus.connect({ servers: [natsUrl()], name: "orchestrator-test-cleanup", subjectRoot: env.ns.subjectRoot });
  const jsm = await bus.jsm();
  for await (const stream of jsm.streams.list()) {
    if (stream.config.name.startsWith(env.ns.streamPrefix)) await jsm.streams.delete(stream.config.name);
  }
  await bus.drain();
  rmSync(env.evidenceDir, { recursive: true, force: true });
}

export const dataHash = (label: string): Hex => keccak256(stringToHex(label));

/** A small DKG thread authored by `author` (3-node chain, so betweenness gives it the middle node). */
export function evidenceFor(label: string, author: string) {
  const pkg = (id: string, ts: number, parents: string[]) => ({
    arweave_tx_id: `${label}-${id}`,
    author,
    timestamp: ts,
    parent_ids: parents.map((p) => `${label}-${p}`),
    payload_hash: keccak256(stringToHex(`${label}-${id}`)),
    artifact_ids: [],
    signature: `0x${"00".repeat(65)}`,
  });
  return [pkg("a", 1, []), pkg("b", 2, ["a"]), pkg("c", 3, ["b"])];
}

export function chainClients(env: TestEnv) {
  const transport = http(env.anvil.rpcUrl);
  const chain = {
    id: env.anvil.chainId,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [env.anvil.rpcUrl] } },
  };
  return {
    public: createPublicClient({ chain, transport, pollingInterval: 20 }),
    owner: createWalletClient({ account: privateKeyToAccount(OWNER_KEY), chain, transport }),
  };
}

/**
 * Sends a contract call straight to anvil from the key's account, around the orchestrator (as
 * another party, or a lost store's transaction, would), and waits for its receipt.
 */
export async function sendDirect(
  env: TestEnv,
  key: Hex,
  address: Hex,
  abi: typeof studioProxyAbi | typeof rewardsDistributorAbi,
  functionName: string,
  args: unknown[],
) {
  const { public: client } = chainClients(env);
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain: client.chain, transport: http(env.anvil.rpcUrl) });
  // biome-ignore lint/suspicious/noExplicitAny: a test helper over two ABIs
  const hash = await wallet.writeContract({ address, abi, functionName, args } as any);
  return client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

/** Opens a commit window of `commitSeconds` from the chain's clock, then a reveal window. */
export async function setDeadlines(env: TestEnv, hash: Hex, commitSeconds: number, revealSeconds = 600): Promise<number> {
  const { public: client, owner } = chainClients(env);
  const now = Math.floor(Date.now() / 1000);
  const commit = now + commitSeconds;
  const tx = await owner.writeContract({
    address: env.deployment.studioProxy,
    abi: studioProxyAbi,
    functionName: "setCommitRevealDeadlines",
    args: [hash, BigInt(commit), BigInt(commit + revealSeconds)],
  });
  await client.waitForTransactionReceipt({ hash: tx, pollingInterval: 20 });
  return commit;
}

/** Every transaction mined so far, in order: from, nonce, to, selector. */
export async function minedTransactions(
  env: TestEnv,
): Promise<Array<{ from: Address; nonce: number; to: Address | null; input: Hex; hash: Hex }>> {
  const { public: client } = chainClients(env);
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const out: Array<{ from: Address; nonce: number; to: Address | null; input: Hex; hash: Hex }> = [];
  for (let n = 0n; n <= head; n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) out.push({ from: tx.from, nonce: tx.nonce, to: tx.to, input: tx.input, hash: tx.hash });
  }
  return out;
}
