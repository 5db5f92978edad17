import type { Bus } from "@gatehouse/bus";
import { ensureObjectStore, objectStoreCatalog } from "@gatehouse/bus";
import { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import {
  type Clock,
  insecureHttpUpstream,
  type ServiceContext,
  type ServiceDefinition,
  serviceStatus,
  streamCatalogOf,
  systemClock,
} from "@gatehouse/service";
import { policyAdmin } from "./admin.js";
import { consumeFoundBlocks } from "./block-consumer.js";
import { BlockSubmitter } from "./blocks.js";
import { type Config, configSchema, halvingInterval } from "./config.js";
import { HeartbeatPublisher, heartbeatState } from "./heartbeat.js";
import { MempoolTracker, mempoolReadiness } from "./mempool-view.js";
import { tdpGauge, type VerifierMetrics, verifierMetrics } from "./metrics.js";
import { PolicyStore } from "./policy/store.js";
import { answerProposals, proposalPublisher, transactionsReader } from "./proposals.js";
import { createSources } from "./source/create.js";
import { sourcesHealth } from "./source/health.js";
import type { TemplateSource } from "./source/source.js";
import { Sv2TdpSource } from "./source/sv2-tdp.js";
import { TemplateStore } from "./template-store.js";
import { VerdictLog, verdictsRoute } from "./verdict-log.js";
import { Verifier } from "./verifier.js";

type Ctx = ServiceContext<Config>;

/** What the wiring steps share. */
interface Wiring {
  ctx: Ctx;
  bus: Bus;
  clock: Clock;
  metrics: VerifierMetrics;
  policies: PolicyStore;
  templates: TemplateStore;
}

/**
 * Checks block templates against policy: proposals (from its own template source or anyone on the bus)
 * in, one verdict each out; found blocks submitted through the adapter that produced their template.
 */
export const service: ServiceDefinition<Config> = {
  name: "template-verifier",
  config: configSchema,
  unsafe: (config) => insecureHttpUpstream("upstream_url", config.upstream_url),
  async start(ctx) {
    const metrics = verifierMetrics(ctx.metrics);
    const policies = await loadPolicies(ctx, metrics);
    const { bus, templates } = await connectBus(ctx);
    const w: Wiring = { ctx, bus, clock: systemClock, metrics, policies, templates };
    const { sources, mempool } = await startSources(w);
    const verifier = policyVerifier(w, mempool);
    const log = new VerdictLog(ctx.config.verdict_log_size);
    const transactionsOf = transactionsReader(templates, metrics, ctx.logger);
    const decided = answerProposals({ ctx, bus, verifier, mempool, log, transactionsOf });
    await submitFoundBlocks(w, sources);
    startHeartbeat(w, sources, mempool, decided.lastTemplateId);
    ctx.ops.route("GET", "/verdicts", verdictsRoute(log));
    ctx.grpc.add(TemplateVerifierAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
      ...policyAdmin(policies, verifier, (hash, origin) => policyLoaded(w, hash, origin), transactionsOf),
    });
  },
};

/** Decides proposals with the policy in force against the mempool view. */
function policyVerifier(w: Wiring, mempool: MempoolTracker): Verifier {
  return new Verifier({
    policies: w.policies,
    mempool: (now) => mempool.snapshot(now),
    halvingInterval: halvingInterval(w.ctx.config.network),
    instanceId: w.ctx.instanceId,
    metrics: w.ctx.metrics,
  });
}

function policyLoaded(w: Pick<Wiring, "ctx" | "metrics">, policyHash: string, origin: string): void {
  w.metrics.policyReloads.inc({ outcome: "ok" });
  w.ctx.logger.info({ policyHash, origin }, "policy loaded");
}

/** The policy in force: loaded now and on SIGHUP; a failed load keeps the last good one (and readiness says so). */
async function loadPolicies(ctx: Ctx, metrics: VerifierMetrics): Promise<PolicyStore> {
  const { config, logger } = ctx;
  const policies = new PolicyStore(config.policy_file);
  const loadPolicy = async (why: string) => {
    try {
      const loaded = await policies.load();
      metrics.policyReloads.inc({ outcome: "ok" });
      logger.info({ policyHash: loaded.hash, origin: loaded.origin, why }, "policy loaded");
    } catch (err) {
      metrics.policyReloads.inc({ outcome: "error" });
      logger.error({ err: (err as Error).message, why, keptPolicy: policies.current?.hash ?? null }, "policy_load_error");
    }
  };
  await loadPolicy("start");
  const onHup = () => void loadPolicy("SIGHUP");
  process.on("SIGHUP", onHup);
  ctx.onShutdown("sighup", () => void process.off("SIGHUP", onHup), "intake");
  ctx.readiness.add("policy", () => (policies.current ? { ok: true } : { ok: false, reason: `policy_load_error: ${policies.lastError}` }));
  return policies;
}

/** The bus, the TEMPLATES and BLOCKS streams, and the TEMPLATE_TRANSACTIONS object store. */
async function connectBus(ctx: Ctx): Promise<{ bus: Bus; templates: TemplateStore }> {
  const { config } = ctx;
  const bus = await ctx.connectBus();
  const catalog = streamCatalogOf(config.nats);
  await ctx.ensureStreams(bus, [catalog.TEMPLATES, catalog.BLOCKS]);
  const transactionsBucket = objectStoreCatalog({
    namePrefix: config.nats.stream_prefix,
    replicas: config.nats.stream_replicas,
  }).TEMPLATE_TRANSACTIONS;
  const templates = new TemplateStore(
    await ensureObjectStore(bus, transactionsBucket),
    transactionsBucket.bucket,
    config.transactions_read_timeout_ms,
  );
  return { bus, templates };
}

/** The configured template sources, publishing their proposals, and the mempool view of the one that has a mempool. */
async function startSources(w: Wiring): Promise<{ sources: TemplateSource[]; mempool: MempoolTracker }> {
  const { ctx, bus, clock, metrics, templates } = w;
  const { config, logger } = ctx;
  const configured = createSources(config, {
    instanceId: ctx.instanceId,
    logger,
    onProposal: proposalPublisher({ bus, templates, mempool: () => mempool, metrics, logger }),
  });
  const sources = configured.map((c) => c.source);
  const mempoolSource = sources.find((s) => s.pollMempool !== undefined);
  const mempool = new MempoolTracker(
    mempoolSource?.pollMempool?.bind(mempoolSource),
    { staleAfterMs: config.mempool_stale_after_ms, degradedAfterMs: config.mempool_degraded_after_ms },
    (outcome, err) => {
      metrics.mempoolPolls.inc({ outcome });
      if (err) logger.warn({ err: err.message }, "mempool_backend_unavailable: mempool poll failed");
    },
  );
  for (const c of configured) ctx.endpoint(c.source.name, c.endpoint);
  let mempoolTimer: NodeJS.Timeout | undefined;
  if (mempool.enabled) {
    await mempool.poll();
    mempoolTimer = setInterval(() => void mempool.poll(), config.mempool_poll_interval_ms);
    ctx.readiness.add("mempool", () => mempoolReadiness(mempool.ageMs(clock.now()), config.ready_mempool_max_age_ms));
  }
  for (const s of sources) {
    if (s instanceof Sv2TdpSource) tdpGauge(ctx.metrics, s);
    s.start();
  }
  ctx.onShutdown(
    "template-sources",
    async () => {
      clearInterval(mempoolTimer);
      await Promise.all(sources.map((s) => s.stop()));
    },
    "intake",
  );
  if (sources.length > 0) ctx.readiness.add("template-source", () => sourcesHealth(sources, config.upstream_stale_max_ms, clock.now()));
  return { sources, mempool };
}

/** Found blocks → submitblock through the adapter that produced their template → BlockResult. */
async function submitFoundBlocks(w: Wiring, sources: readonly TemplateSource[]): Promise<void> {
  const { ctx, bus, templates } = w;
  const submitter = new BlockSubmitter({
    bus,
    sources: new Map(sources.map((s) => [s.name, s])),
    transactions: async (found) => (found.transactionsRef ? templates.get(found.transactionsRef) : []),
    instanceId: ctx.instanceId,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  await consumeFoundBlocks(ctx, bus, streamCatalogOf(ctx.config.nats).BLOCKS.name, submitter);
}

/** A VerifierHeartbeat every interval with the real state. */
function startHeartbeat(w: Wiring, sources: readonly TemplateSource[], mempool: MempoolTracker, lastTemplateId: () => bigint): void {
  const { ctx, bus, clock, metrics, policies } = w;
  const heartbeat = new HeartbeatPublisher(
    bus,
    ctx.config.verifier_heartbeat_interval_ms,
    () => {
      metrics.heartbeats.inc();
      return heartbeatState({
        instanceId: ctx.instanceId,
        policyHash: policies.current?.hash,
        sourcesHealthy: sourcesHealth(sources, ctx.config.upstream_stale_max_ms, clock.now()).ok,
        busHealthy: bus.health().ok,
        lastTemplateId: lastTemplateId(),
        mempoolView: mempool.view(clock.now()),
      });
    },
    clock,
  );
  heartbeat.start();
  ctx.onShutdown("heartbeat", () => heartbeat.stop(), "intake");
}
