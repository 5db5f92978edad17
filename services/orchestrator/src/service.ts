import type { Bus } from "@gatehouse/bus";
import { OrchestratorAdminService } from "@gatehouse/proto/orchestrator/v1";
import { WorkflowEventSchema } from "@gatehouse/proto/workflow/v1";
import {
  formatHostPort,
  GrpcError,
  GrpcStatus,
  type Logger,
  parseHostPort,
  type Redis,
  type ServiceContext,
  type ServiceDefinition,
  serviceStatus,
  streamCatalogOf,
  systemClock,
} from "@gatehouse/service";
import {
  type Address,
  type Chain,
  createPublicClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { adminHandlers } from "./admin.js";
import { toGrants } from "./api/auth.js";
import { OPENAPI } from "./api/openapi.js";
import { RestApi } from "./api/server.js";
import { ensureDevChain } from "./chain/dev-chain.js";
import { ChainHead } from "./chain/head.js";
import { localAccount } from "./chain/local-account.js";
import { ChainReader } from "./chain/reader.js";
import { PooledRpcFetch } from "./chain/rpc-fetch.js";
import { TxManager } from "./chain/tx-manager.js";
import { adminSignerAddress, type Config, configSchema, retentionMs, unsafeSettings, workflowsDisabledReason } from "./config.js";
import { CrashPoints } from "./crash-points.js";
import { CommittedRecords } from "./engine/committed-records.js";
import { Engine, type EngineSettings, type TransitionEvent } from "./engine/engine.js";
import { RetentionJob } from "./engine/retention.js";
import { EventPublisher } from "./events.js";
import { createEvidenceStore } from "./evidence/create.js";
import type { EvidenceStore } from "./evidence/store.js";
import { type OrchestratorMetrics, orchestratorMetrics } from "./metrics.js";
import { createStores, type Stores } from "./persistence/create.js";

type Ctx = ServiceContext<Config>;

/**
 * Status reads answered from what this replica's engine committed (see `servableFromMemory`): up
 * to this many workflows; finished ones for a minute (final: the SDK's last poll), RUNNING ones
 * until due again, at most for the lease.
 */
const COMMITTED_RECORDS = 10_000;
const FINISHED_ANSWERED_MS = 60_000;

/** Durable on-chain workflows: REST API, engine on a PostgreSQL (or Redis) store, one nonce stream per signer. */
export const service: ServiceDefinition<Config> = {
  name: "orchestrator",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const disabled = workflowsDisabledReason(ctx.config);
    if (disabled) return serveOpsOnly(ctx, disabled);
    const catalog = streamCatalogOf(ctx.config.nats);
    await ctx.ensureStreams(bus, [catalog.WORKFLOW_EVENTS]);
    const chain = connectChain(ctx);
    await startDevChain(ctx, chain.rewardsDistributor);
    const metrics = orchestratorMetrics(ctx.metrics);
    const crash = new CrashPoints(ctx.config.crash_points, redis);
    const stores = await openStores(ctx, redis);
    const evidence = await openEvidenceStore(ctx, metrics);
    const publisher = new EventPublisher(
      bus,
      bus.subjects.workflowEvent,
      catalog.WORKFLOW_EVENTS.name,
      ctx.instanceId,
      ctx.logger,
      (outcome) => metrics.eventsPublished.inc({ outcome }),
    );
    const committed = new CommittedRecords(COMMITTED_RECORDS, { runningMs: ctx.config.engine.lease_ms, finishedMs: FINISHED_ANSWERED_MS });
    forgetOthersCommits(ctx, bus, committed);
    const engine = createEngine(ctx, { chain, stores, evidence, publisher, crash, metrics, committed });
    metrics.observe({
      countInState: (state) => stores.workflows.countInState(state),
      countDue: () => stores.workflows.countDue(systemClock.now()),
      inFlight: () => engine.inFlight,
    });
    const api = await serveRestApi(ctx, { stores, engine, committed, accounts: chain.accounts, crash, metrics });
    serveAdmin(ctx, chain.client, stores, engine);
    const retention = new RetentionJob(
      stores.workflows,
      { retentionMs: retentionMs(ctx.config), intervalMs: ctx.config.store.prune_interval_ms, batchSize: 500 },
      ctx.logger,
      (count) => metrics.pruned.inc(count),
    );

    engine.start();
    retention.start();
    ctx.onShutdown("retention", () => retention.stop(), "drain");
    ctx.onShutdown("rest-writes", () => api.beginShutdown(), "intake");
    ctx.onShutdown("engine", () => engine.stop(ctx.config.engine.drain_timeout_ms), "drain");
    ctx.onShutdown("rest", () => api.close(), "close");
  },
};

/**
 * Another replica's transition (an operator's cancel, a takeover) makes what this one committed
 * stale: its WorkflowEvent drops it from memory. Events are published without blocking the
 * engine and may be lost, so memory never answers past the lease either.
 */
function forgetOthersCommits(ctx: Ctx, bus: Bus, committed: CommittedRecords): void {
  const sub = bus.subscribe(bus.subjects.workflowEvent, WorkflowEventSchema, (event) => {
    if (event.orchestratorInstanceId !== ctx.instanceId) committed.forget(event.workflowId);
  });
  ctx.onShutdown("workflow-events", () => sub.drain(), "intake");
}

/** Without a chain there is nothing to orchestrate: alive for ops, not ready (a load balancer must not send API clients here). */
function serveOpsOnly(ctx: Ctx, reason: string): void {
  ctx.logger.warn(`${reason}: workflows are disabled`);
  ctx.readiness.add("workflows", () => ({ ok: false, reason: "workflows are disabled: no chain configured" }));
  const unavailable = async (): Promise<never> => {
    throw new GrpcError(GrpcStatus.UNAVAILABLE, "workflows are disabled: no chain configured");
  };
  ctx.grpc.add(OrchestratorAdminService, {
    getStatus: async () => ({ status: await serviceStatus(ctx) }),
    listWorkflows: unavailable,
    getWorkflow: unavailable,
    retryWorkflow: unavailable,
    cancelWorkflow: unavailable,
  });
}

/** `chain.dev_chain`: anvil with the contracts on rpc_url when nothing answers there. */
async function startDevChain(ctx: Ctx, rewardsDistributor: Address): Promise<void> {
  const { chain } = ctx.config;
  if (!chain.dev_chain) return;
  const anvil = await ensureDevChain(chain.rpc_url, rewardsDistributor, ctx.logger);
  if (anvil) ctx.onShutdown("dev-chain", () => anvil.stop(), "close");
}

interface ChainConnection {
  chain: Chain;
  client: PublicClient;
  accounts: LocalAccount[];
  adminSigner: Address;
  rewardsDistributor: Address;
}

/** The chain client and the signers; called once workflowsDisabledReason found a contract and a signer. */
function connectChain(ctx: Ctx): ChainConnection {
  const { config } = ctx;
  const rpc = new PooledRpcFetch(config.chain.rpc_url);
  ctx.onShutdown("chain-rpc", () => rpc.close(), "close");
  const chain = defineChain({
    id: config.chain.chain_id,
    name: `chain-${config.chain.chain_id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.chain.rpc_url] } },
  });
  const client = createPublicClient({
    chain,
    // Requests issued in the same tick (many workflows polling at once) go out as one JSON-RPC
    // batch: one HTTP round trip instead of one each, which is most of the client's CPU.
    transport: http(config.chain.rpc_url, { retryCount: 1, timeout: 10_000, batch: { batchSize: 100, wait: 0 }, fetchFn: rpc.fetch }),
    pollingInterval: 250,
  });
  const accounts = config.chain.signer_secrets.map((key) => localAccount(key as Hex));
  const signers = accounts.map((a) => a.address);
  return {
    chain,
    client,
    accounts,
    adminSigner: adminSignerAddress(config, signers) as Address,
    rewardsDistributor: getAddress(config.chain.rewards_distributor_address as string),
  };
}

async function openStores(ctx: Ctx, redis: Redis): Promise<Stores> {
  const stores = await createStores(ctx.config, redis, ctx.logger);
  ctx.onShutdown("store", () => stores.close(), "close");
  ctx.readiness.add("store", () => stores.health());
  return stores;
}

interface EngineParts {
  chain: ChainConnection;
  stores: Stores;
  evidence: EvidenceStore;
  publisher: EventPublisher;
  crash: CrashPoints;
  metrics: OrchestratorMetrics;
  committed: CommittedRecords;
}

/**
 * The engine with its transaction manager and chain reader; every committed transition is counted,
 * published, logged and kept for status reads.
 */
function createEngine(ctx: Ctx, { chain, stores, evidence, publisher, crash, metrics, committed }: EngineParts): Engine {
  const settings = ctx.config.chain;
  const tx = new TxManager({
    store: stores.transactions,
    client: chain.client,
    chain: chain.chain,
    accounts: chain.accounts,
    confirmations: settings.confirmation_blocks,
    stuckAfterMs: settings.stuck_after_ms,
    headMaxAgeMs: settings.poll_interval_ms,
    lockTtlMs: settings.signer_lock_ttl_ms,
    instanceId: ctx.instanceId,
    logger: ctx.logger,
    checkpoint: (...names) => crash.hit(...names),
    onEvent: (event) => metrics.transactions.inc({ event }),
  });
  return new Engine({
    store: stores.workflows,
    chain: new ChainReader(
      chain.client,
      chain.rewardsDistributor,
      new ChainHead(() => chain.client.getBlockNumber({ cacheTime: 0 }), settings.poll_interval_ms, systemClock),
      { maxRangeBlocks: BigInt(settings.max_log_range_blocks), startBlock: BigInt(settings.rewards_distributor_start_block) },
    ),
    tx,
    evidence,
    adminSigner: chain.adminSigner,
    instanceId: ctx.instanceId,
    logger: ctx.logger,
    settings: engineSettings(ctx.config),
    onTransition: (event) => {
      metrics.transitions.inc({ type: event.workflow.type, state: event.workflow.state });
      publisher.publish(event);
      logTransition(ctx.logger, event);
      if (crash.enabled) void crash.hit(`step:${event.previousStep}`);
    },
    onStep: (step, outcome) => metrics.steps.inc({ step, outcome }),
    onCommitted: (wf, dueAt) => committed.committed(wf, dueAt, systemClock.now()),
    onClaimed: (id, token, leaseUntil) => committed.claimed(id, token, leaseUntil),
    onLeaseLost: (id) => committed.forget(id),
  });
}

/** The gRPC admin service and the chain's readiness probe. */
function serveAdmin(ctx: Ctx, client: PublicClient, stores: Stores, engine: Engine): void {
  ctx.readiness.add("chain", async () => {
    await client.getBlockNumber({ cacheTime: 0 });
    return { ok: true };
  });
  ctx.grpc.add(OrchestratorAdminService, {
    getStatus: async () => ({ status: await serviceStatus(ctx) }),
    ...adminHandlers(stores.workflows, engine),
  });
}

function openEvidenceStore(ctx: Ctx, metrics: OrchestratorMetrics): Promise<EvidenceStore> {
  const { evidence } = ctx.config;
  return createEvidenceStore(evidence, {
    logger: ctx.logger,
    onOperation: (operation, outcome) => metrics.evidenceOperations.inc({ store: evidence.store, operation, outcome }),
  });
}

function engineSettings(config: Config): EngineSettings {
  const { engine, chain, evidence } = config;
  return {
    concurrency: engine.concurrency,
    tickMs: engine.tick_ms,
    leaseMs: engine.lease_ms,
    maxAttempts: engine.max_attempts,
    backoffBaseMs: engine.backoff_base_ms,
    backoffMaxMs: engine.backoff_max_ms,
    sweepIntervalMs: engine.sweep_interval_ms,
    stallResumeAfterMs: engine.stall_resume_after_ms,
    maxStallCycles: engine.max_stall_cycles,
    pollMs: chain.poll_interval_ms,
    confirmTimeoutMs: chain.confirm_timeout_ms,
    evidenceWindowMs: evidence.confirm_window_ms,
    dkgVersion: engine.dkg_version,
  };
}

function logTransition(logger: Logger, event: TransitionEvent): void {
  const { workflow } = event;
  logger.info(
    {
      workflowId: workflow.id,
      type: workflow.type,
      state: workflow.state,
      step: workflow.step,
      from: event.previousStep,
      error: workflow.error?.code,
    },
    "workflow transition",
  );
}

interface ApiParts {
  stores: Stores;
  engine: Engine;
  committed: CommittedRecords;
  accounts: readonly LocalAccount[];
  crash: CrashPoints;
  metrics: OrchestratorMetrics;
}

async function serveRestApi(ctx: Ctx, { stores, engine, committed, accounts, crash, metrics }: ApiParts): Promise<RestApi> {
  const { api: settings } = ctx.config;
  const api = new RestApi({
    store: stores.workflows,
    logger: ctx.logger,
    openapi: JSON.stringify(OPENAPI),
    settings: {
      bodyLimitBytes: settings.body_limit_bytes,
      apiKeys: toGrants(settings.api_keys),
      signers: new Set(accounts.map((a) => a.address.toLowerCase())),
      writesPerMinute: settings.writes_per_minute,
      listsPerMinute: settings.lists_per_minute,
      trustProxy: settings.trust_proxy,
      idempotencyTtlSeconds: settings.idempotency_ttl_seconds,
      listLimit: settings.list_limit,
    },
    retry: (id) => engine.retry(id),
    onCreated: (wf) => {
      committed.committed(wf, wf.createdAt, systemClock.now());
      metrics.created.inc({ type: wf.type });
      void crash.hit("created").then(() => engine.tick());
    },
    onRequest: (route, status, seconds) => metrics.requests.observe({ route, status: String(status) }, seconds),
    committed,
  });
  const { host, port } = parseHostPort(settings.addr);
  const address = await api.listen({ host, port });
  ctx.endpoint("rest", `http://${formatHostPort({ host, port: address.port })}`);
  if (settings.api_keys.length === 0) ctx.logger.warn("api.api_keys is empty: write endpoints are unauthenticated");
  return api;
}
