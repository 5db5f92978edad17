import { OrchestratorAdminService } from "@gatehouse/proto/orchestrator/v1";
import {
  GrpcError,
  GrpcStatus,
  insecureHttpUpstream,
  offLoopback,
  parseHostPort,
  SafetyFlag,
  type ServiceDefinition,
  serviceStatus,
  streamCatalogOf,
} from "@gatehouse/service";
import { type Address, createPublicClient, defineChain, getAddress, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { adminHandlers } from "./admin.js";
import { toGrants } from "./api/auth.js";
import { OPENAPI } from "./api/openapi.js";
import { RestApi } from "./api/server.js";
import { ensureDevChain } from "./chain/dev-chain.js";
import { ChainReader } from "./chain/reader.js";
import { TxManager } from "./chain/tx-manager.js";
import { type Config, configSchema } from "./config.js";
import { CrashPoints } from "./crash-points.js";
import { Engine } from "./engine/engine.js";
import { PRUNE_JOB, RetentionJob } from "./engine/retention.js";
import { WORKFLOW_STATES } from "./engine/types.js";
import { EventPublisher } from "./events.js";
import { createEvidenceStore } from "./evidence/create.js";
import { createStores } from "./persistence/create.js";

const CRASH_POINTS_FLAG = "ALLOW_CRASH_POINTS";

/** Durable on-chain workflows: REST API, engine on a PostgreSQL (or Redis) store, one nonce stream per signer. */
export const service: ServiceDefinition<Config> = {
  name: "orchestrator",
  config: configSchema,
  unsafe: (config) => [
    ...(config.chain.dev_chain && !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(config.chain.rpc_url)
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
  ],
  async start(ctx) {
    const { config, logger, metrics } = ctx;
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    if (!config.chain.rewards_distributor_address || config.chain.signer_secrets.length === 0) {
      // Without a chain there is nothing to orchestrate: stay up for ops, serve no workflows.
      logger.warn("chain.rewards_distributor_address or chain.signer_secrets not set: workflows are disabled");
      // Alive for ops, but not ready: a load balancer must not send API clients here.
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
      return;
    }
    const catalog = streamCatalogOf(config.nats);
    await ctx.ensureStreams(bus, [catalog.WORKFLOW_EVENTS]);

    if (config.chain.dev_chain) {
      const anvil = await ensureDevChain(config.chain.rpc_url, getAddress(config.chain.rewards_distributor_address), logger);
      if (anvil) ctx.onShutdown("dev-chain", () => anvil.stop(), "close");
    }
    const chain = defineChain({
      id: config.chain.chain_id,
      name: `chain-${config.chain.chain_id}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [config.chain.rpc_url] } },
    });
    const client = createPublicClient({
      chain,
      transport: http(config.chain.rpc_url, { retryCount: 1, timeout: 10_000 }),
      pollingInterval: 250,
    });
    const accounts = config.chain.signer_secrets.map((key) => privateKeyToAccount(key as Hex));
    const adminSigner = (config.chain.admin_signer ? getAddress(config.chain.admin_signer) : accounts[0]?.address) as Address;
    const crash = new CrashPoints(config.crash_points, redis);
    const stores = await createStores(config, redis, logger);
    ctx.onShutdown("store", () => stores.close(), "close");
    ctx.readiness.add("store", () => stores.health());
    const store = stores.workflows;

    const txEvents = metrics.counter("transactions_total", "Transactions by lifecycle event", ["event"]);
    const tx = new TxManager({
      store: stores.transactions,
      client,
      chain,
      accounts,
      confirmations: config.chain.confirmation_blocks,
      stuckAfterMs: config.chain.stuck_after_ms,
      lockTtlMs: config.chain.signer_lock_ttl_ms,
      instanceId: ctx.instanceId,
      logger,
      checkpoint: (name) => crash.hit(name),
      onEvent: (event) => txEvents.inc({ event }),
    });
    const reader = new ChainReader(client, getAddress(config.chain.rewards_distributor_address));
    const evidenceOperations = metrics.counter("evidence_operations_total", "Evidence store operations by outcome (ok or an error code)", [
      "store",
      "operation",
      "outcome",
    ]);
    const evidence = await createEvidenceStore(config.evidence, {
      logger,
      onOperation: (operation, outcome) => evidenceOperations.inc({ store: config.evidence.store, operation, outcome }),
    });

    const transitions = metrics.counter("workflow_transitions_total", "Committed workflow transitions", ["type", "state"]);
    const steps = metrics.counter("workflow_steps_total", "Step executions by outcome", ["step", "outcome"]);
    const eventsPublished = metrics.counter("workflow_events_total", "WorkflowEvent publishes by outcome", ["outcome"]);
    const created = metrics.counter("workflows_created_total", "Workflows created through the API", ["type"]);
    const requests = metrics.histogram("api_request_duration_seconds", "REST API request latency", { labelNames: ["route", "status"] });
    const publisher = new EventPublisher(bus, bus.subjects.workflowEvent, catalog.WORKFLOW_EVENTS.name, ctx.instanceId, logger, (outcome) =>
      eventsPublished.inc({ outcome }),
    );

    const engine = new Engine({
      store,
      chain: reader,
      tx,
      evidence,
      adminSigner,
      instanceId: ctx.instanceId,
      logger,
      settings: {
        concurrency: config.engine.concurrency,
        tickMs: config.engine.tick_ms,
        leaseMs: config.engine.lease_ms,
        maxAttempts: config.engine.max_attempts,
        backoffBaseMs: config.engine.backoff_base_ms,
        backoffMaxMs: config.engine.backoff_max_ms,
        sweepIntervalMs: config.engine.sweep_interval_ms,
        stallResumeAfterMs: config.engine.stall_resume_after_ms,
        maxStallCycles: config.engine.max_stall_cycles,
        pollMs: config.chain.poll_interval_ms,
        confirmTimeoutMs: config.chain.confirm_timeout_ms,
        evidenceWindowMs: config.evidence.confirm_window_ms,
        dkgVersion: config.engine.dkg_version,
      },
      onTransition: (event) => {
        transitions.inc({ type: event.workflow.type, state: event.workflow.state });
        publisher.publish(event);
        logger.info(
          {
            workflowId: event.workflow.id,
            type: event.workflow.type,
            state: event.workflow.state,
            step: event.workflow.step,
            from: event.previousStep,
            error: event.workflow.error?.code,
          },
          "workflow transition",
        );
        if (crash.enabled) void crash.hit(`step:${event.previousStep}`);
      },
      onStep: (step, outcome) => steps.inc({ step, outcome }),
    });
    metrics.gauge("workflows", "Workflows by state", ["state"], async function () {
      for (const state of WORKFLOW_STATES) this.set({ state }, await store.countInState(state));
    });
    metrics.gauge("workflows_due", "Workflows due to run now", [], async function () {
      this.set(await store.countDue(Date.now()));
    });
    metrics.gauge("workflows_in_flight", "Workflows this replica is executing", [], function () {
      this.set(engine.inFlight);
    });

    const api = new RestApi({
      store,
      logger,
      openapi: JSON.stringify(OPENAPI),
      settings: {
        bodyLimitBytes: config.api.body_limit_bytes,
        apiKeys: toGrants(config.api.api_keys),
        signers: new Set(accounts.map((a) => a.address.toLowerCase())),
        writesPerMinute: config.api.writes_per_minute,
        listsPerMinute: config.api.lists_per_minute,
        trustProxy: config.api.trust_proxy,
        idempotencyTtlSeconds: config.api.idempotency_ttl_seconds,
        listLimit: config.api.list_limit,
      },
      retry: (id) => engine.retry(id),
      onCreated: (wf) => {
        created.inc({ type: wf.type });
        void crash.hit("created").then(() => engine.tick());
      },
      onRequest: (route, status, seconds) => requests.observe({ route, status: String(status) }, seconds),
    });
    const { host, port } = parseHostPort(config.api.addr);
    const address = await api.listen({ host, port });
    ctx.endpoint("rest", `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`);
    if (config.api.api_keys.length === 0) logger.warn("api.api_keys is empty: write endpoints are unauthenticated");

    ctx.readiness.add("chain", async () => {
      await client.getBlockNumber({ cacheTime: 0 });
      return { ok: true };
    });
    ctx.grpc.add(OrchestratorAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
      ...adminHandlers(store, engine),
    });

    const pruned = metrics.counter("workflows_pruned_total", `Finished workflows deleted by the ${PRUNE_JOB} job`);
    const retention = new RetentionJob(
      store,
      { retentionMs: config.store.retention_days * 86_400_000, intervalMs: config.store.prune_interval_ms, batchSize: 500 },
      logger,
      (count) => pruned.inc(count),
    );

    engine.start();
    retention.start();
    ctx.onShutdown("retention", () => retention.stop(), "drain");
    ctx.onShutdown("rest-writes", () => api.beginShutdown(), "intake");
    ctx.onShutdown("engine", () => engine.stop(config.engine.drain_timeout_ms), "drain");
    ctx.onShutdown("rest", () => api.close(), "close");
  },
};
