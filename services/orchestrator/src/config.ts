import { contract } from "@gatehouse/sdk";
import {
  hostPort,
  insecureHttpUpstream,
  natsConfig,
  offLoopback,
  opsConfig,
  redisConfig,
  SafetyFlag,
  type UnsafeSetting,
} from "@gatehouse/service";
import { type Address, getAddress } from "viem";
import { z } from "zod";
import { MIN_LOG_RANGE_BLOCKS } from "./chain/log-range.js";
import { gatewayEndpoint } from "./evidence/arweave-protocol.js";

const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");
const address = z.string().regex(contract.ADDRESS, "must be a 0x-prefixed 20-byte hex address");
const apiKey = z.string().min(16, "api keys must be at least 16 characters");

export const configSchema = z.strictObject({
  ...opsConfig({ httpAddr: "127.0.0.1:8087", grpcAddr: "127.0.0.1:9087" }),
  nats: natsConfig,
  redis: redisConfig,
  /**
   * Where workflow records, signer nonces and signed transactions live. `postgres` (the default):
   * acknowledged writes are as durable as the server's commit. `redis`: only as durable as the
   * Redis in [redis] (see docs/operations.md); for development without PostgreSQL.
   */
  store: z
    .strictObject({
      /** `postgres` (the production default) or `redis` (development only: it loses acknowledged writes on a crash or failover). */
      backend: z.enum(["postgres", "redis"]).default("postgres"),
      /** e.g. postgres://gatehouse@db:5432/gatehouse; the password in it or in the environment as PGPASSWORD (never logged). Required for `postgres` when workflows run. */
      postgres_url: z.string().default(""),
      /** Schema holding the tables; created and migrated at start. */
      postgres_schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier")
        .default("orchestrator"),
      /** Connections per replica. */
      postgres_pool_size: z.number().int().positive().max(200).default(10),
      /** Bound on every statement: a stuck server fails the step (retried) instead of hanging it. */
      postgres_statement_timeout_ms: z.number().int().positive().default(10_000),
      /** COMPLETED/FAILED workflows (with their transaction records) are deleted this many days after finishing; fractions allowed. */
      retention_days: z.number().positive().default(30),
      /** How often the prune-finished-workflows job runs. */
      prune_interval_ms: z.number().int().positive().default(3_600_000),
    })
    .prefault({}),
  /** The ChaosChain-compatible REST API. */
  api: z
    .strictObject({
      addr: hostPort().default("127.0.0.1:3000"),
      /**
       * When any key is set, POST /workflows/* and GET /v1/work/:hash/evidence need a matching x-api-key. A key is a
       * string (any signer, any studio) or a table `{ key, signers, studios }` limiting it to those signers and studios (403 otherwise).
       */
      api_keys: z
        .array(
          z.union([
            apiKey,
            z.strictObject({
              key: apiKey,
              /** The signer (and admin signer) addresses this key may make sign; absent: every signer. */
              signers: z.array(address).min(1).optional(),
              /** The studios this key may act on; absent: every studio. */
              studios: z.array(address).min(1).optional(),
            }),
          ]),
        )
        .default([]),
      body_limit_bytes: z.number().int().positive().max(50_000_000).default(10_000_000),
      /** Per client IP; 0 disables. Status polling (GET /workflows/:id) is never limited. */
      writes_per_minute: z.number().int().min(0).default(30),
      lists_per_minute: z.number().int().min(0).default(100),
      /** Take the client IP from X-Forwarded-For (only behind a proxy you run). */
      trust_proxy: z.boolean().default(false),
      idempotency_ttl_seconds: z.number().int().positive().default(86_400),
      list_limit: z.number().int().positive().max(10_000).default(1_000),
    })
    .prefault({}),
  chain: z
    .strictObject({
      /** JSON-RPC endpoint. Plain http to a non-loopback host needs GH_ALLOW_INSECURE_HTTP_UPSTREAM (it carries signed transactions). */
      rpc_url: z.string().url().default("http://127.0.0.1:8545"),
      chain_id: z.number().int().positive().default(31337),
      rewards_distributor_address: address.optional(),
      /** Signer keys (never logged). The first is the primary signer. */
      signer_secrets: z.array(privateKey).default([]),
      /** RewardsDistributor owner used for registerWork/registerValidator; the primary signer when unset. */
      admin_signer: address.optional(),
      confirmation_blocks: z.number().int().min(1).max(64).default(2),
      /**
       * Delay between confirmation checks of a workflow's transaction, and the most a shared head
       * block number is reused for: a pending transaction is checked again once a new block arrived.
       */
      poll_interval_ms: z.number().int().positive().default(2_000),
      confirm_timeout_ms: z.number().int().positive().default(120_000),
      /** A broadcast transaction unmined this long is replaced with a fee bump on its nonce. */
      stuck_after_ms: z.number().int().positive().default(30_000),
      signer_lock_ttl_ms: z.number().int().positive().default(15_000),
      /**
       * The most blocks one eth_getLogs covers (hosted nodes refuse wider: Alchemy 2,000, Infura and
       * QuickNode 10,000, some public endpoints fewer); longer spans are read as several queries.
       */
      max_log_range_blocks: z.number().int().min(MIN_LOG_RANGE_BLOCKS).max(1_000_000).default(2_000),
      /** The block the RewardsDistributor was deployed at (or any block before it): no log query looks below it. */
      rewards_distributor_start_block: z.number().int().min(0).default(0),
      /** Development only: start anvil on rpc_url if nothing answers and deploy the contracts there. */
      dev_chain: z.boolean().default(false),
    })
    .prefault({}),
  engine: z
    .strictObject({
      concurrency: z.number().int().positive().max(1_000).default(64),
      tick_ms: z.number().int().positive().default(50),
      lease_ms: z.number().int().positive().default(30_000),
      max_attempts: z.number().int().positive().default(5),
      backoff_base_ms: z.number().int().positive().default(1_000),
      backoff_max_ms: z.number().int().positive().default(60_000),
      sweep_interval_ms: z.number().int().positive().default(5_000),
      stall_resume_after_ms: z.number().int().min(0).default(60_000),
      max_stall_cycles: z.number().int().min(0).default(3),
      dkg_version: z.enum(["1.0.0", "1.1.0"]).default("1.0.0"),
      drain_timeout_ms: z.number().int().positive().default(5_000),
    })
    .prefault({}),
  evidence: z
    .strictObject({
      /** `local`: content-addressed files in `dir` (`cas://` URIs); `arweave`: uploads through `[evidence.arweave]` (`ar://` URIs). */
      store: z.enum(["local", "arweave"]).default("local"),
      dir: z.string().default(".dev/evidence"),
      /** Evidence unconfirmed this long after its wait began is uploaded again if the network lost it, else the workflow stalls (ARWEAVE_TIMEOUT). */
      confirm_window_ms: z.number().int().positive().default(600_000),
      arweave: z
        .strictObject({
          /** Gateway origin. Plain http to a non-loopback host needs GH_ALLOW_INSECURE_HTTP_UPSTREAM. */
          gateway_url: z.string().default("https://arweave.net"),
          /** JWK file of the paying wallet (its content is never logged). Required when store = "arweave". */
          wallet_file: z.string().default(""),
          /** `number_of_confirmations` that `/tx/<id>/status` must report before evidence counts as confirmed (a block is about 2 minutes). */
          min_confirmations: z.number().int().min(0).max(1_000).default(1),
          /** Delay between confirmation queries for one workflow (Arweave blocks come about every 2 minutes). */
          poll_interval_ms: z.number().int().positive().default(30_000),
          /** Bound on every gateway request, body included. */
          request_timeout_ms: z.number().int().positive().default(20_000),
        })
        .prefault({}),
    })
    .superRefine((evidence, ctx) => {
      if (evidence.store !== "arweave") return;
      if (!evidence.arweave.wallet_file) {
        ctx.addIssue({ code: "custom", path: ["arweave", "wallet_file"], message: 'is required when evidence.store = "arweave"' });
      }
      try {
        gatewayEndpoint(evidence.arweave.gateway_url);
      } catch (err) {
        ctx.addIssue({ code: "custom", path: ["arweave", "gateway_url"], message: (err as Error).message });
      }
    })
    .prefault({}),
  /**
   * Test-only: named checkpoints (`created`, `after_sign:<STEP>`, `after_broadcast:<STEP>`, `step:<STEP>`) where the process
   * kills itself with SIGKILL, once per Redis namespace. Needs GH_ALLOW_CRASH_POINTS.
   */
  crash_points: z.array(z.string()).default([]),
});

export type Config = z.output<typeof configSchema>;

/** Development chains run on this machine: an RPC URL on 127.0.0.1 or localhost. */
export function isLocalRpcUrl(url: string): boolean {
  return /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);
}

export const CRASH_POINTS_FLAG = "ALLOW_CRASH_POINTS";

/** Settings that weaken a boundary: the service refuses them unless the named GH_ALLOW_* flag is set. */
export function unsafeSettings(config: Config): UnsafeSetting[] {
  return [
    ...(config.chain.dev_chain && !isLocalRpcUrl(config.chain.rpc_url)
      ? [{ flag: "ALLOW_REMOTE_DEV_CHAIN", problem: `chain.dev_chain deploys contracts to ${config.chain.rpc_url}, which is not local` }]
      : []),
    ...(config.crash_points.length > 0
      ? [{ flag: CRASH_POINTS_FLAG, problem: "crash_points kill the process on purpose (tests only)" }]
      : []),
    ...(config.api.api_keys.length === 0
      ? offLoopback(config.api.addr, SafetyFlag.noApiKey, `api.addr ${config.api.addr} is not loopback and api.api_keys is empty`)
      : []),
    // Signed transactions go out over it and its answers drive reconciliation.
    ...insecureHttpUpstream("chain.rpc_url", config.chain.rpc_url),
    ...(config.evidence.store === "arweave"
      ? insecureHttpUpstream("evidence.arweave.gateway_url", config.evidence.arweave.gateway_url)
      : []),
  ];
}

/**
 * Why workflows cannot run, or undefined when they can: without a contract to call and a key to
 * sign with there is nothing to orchestrate (the service then stays up for ops only).
 */
export function workflowsDisabledReason(config: Config): string | undefined {
  if (!config.chain.rewards_distributor_address || config.chain.signer_secrets.length === 0)
    return "chain.rewards_distributor_address or chain.signer_secrets not set";
  return undefined;
}

/** The RewardsDistributor owner that registers work and validators: `chain.admin_signer`, else the primary signer. */
export function adminSignerAddress(config: Config, signers: readonly Address[]): Address | undefined {
  return config.chain.admin_signer ? getAddress(config.chain.admin_signer) : signers[0];
}

/** `store.retention_days` in milliseconds (fractions of a day allowed). */
export const retentionMs = (config: Config): number => config.store.retention_days * 86_400_000;
