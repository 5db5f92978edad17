import { ensureConsumer, ensureObjectStore, objectStoreCatalog } from "@gatehouse/bus";
import {
  BlockFoundSchema,
  type TemplateProposal,
  TemplateProposalSchema,
  type TemplateTransaction,
  type TemplateVerdict,
  TemplateVerdictSchema,
} from "@gatehouse/proto/mining/v1";
import { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import {
  backoffDelayMs,
  insecureHttpUpstream,
  type ServiceDefinition,
  serviceStatus,
  streamCatalogOf,
  systemClock,
} from "@gatehouse/service";
import { policyAdmin } from "./admin.js";
import { Batcher } from "./batcher.js";
import { BlockSubmitter } from "./blocks.js";
import { type Config, configSchema, halvingInterval } from "./config.js";
import { HeartbeatPublisher } from "./heartbeat.js";
import { MempoolTracker } from "./mempool-view.js";
import { PolicyStore } from "./policy/store.js";
import { createSources } from "./source/create.js";
import { sourcesHealth } from "./source/health.js";
import { Sv2TdpSource } from "./source/sv2-tdp.js";
import { TemplateStore } from "./template-store.js";
import { recordOf, VerdictLog, verdictsRoute } from "./verdict-log.js";
import { Verifier } from "./verifier.js";

/**
 * The durable's filter names the subject root, and NATS 2.9 cannot change a filter: the root is part of
 * the name, so stacks sharing one BLOCKS stream name (no stream_prefix) each get their own consumer.
 */
/** Verdicts sent in one socket write at most (they leave on the next macrotask anyway). */
const VERDICT_BATCH = 256;

/**
 * Deliveries of one found block that try the node before its BlockResult says submit_failed. The
 * consumer itself has no delivery limit: publishing that answer is retried until the stream stores
 * it (a limit would drop a block whose last answer met a NATS leader election).
 */
const BLOCK_SUBMIT_ATTEMPTS = 5;
/** A found block is worth the most while it is new: retries start at 250 ms and stay under 2 s. */
const BLOCK_SUBMIT_BACKOFF = { baseMs: 250, maxMs: 2_000 };

const blocksDurable = (subjectRoot: string) => `template-verifier-blocks_${subjectRoot.replace(/\./g, "_")}`;

/**
 * Checks block templates against policy: proposals (from its own template source or anyone on the bus)
 * in, one verdict each out; found blocks submitted through the adapter that produced their template.
 */
/** Longest a verdict waits for a mempool refresh when its template is newer than the snapshot. */
const MEMPOOL_REFRESH_WAIT_MS = 250;

export const service: ServiceDefinition<Config> = {
  name: "template-verifier",
  config: configSchema,
  unsafe: (config) => insecureHttpUpstream("upstream_url", config.upstream_url),
  async start(ctx) {
    const { config, logger } = ctx;
    const clock = systemClock;
    const policies = new PolicyStore(config.policy_file);
    const policyReloads = ctx.metrics.counter("policy_reloads_total", "Policy loads by outcome", ["outcome"]);
    const loadPolicy = async (why: string) => {
      try {
        const loaded = await policies.load();
        policyReloads.inc({ outcome: "ok" });
        logger.info({ policyHash: loaded.hash, origin: loaded.origin, why }, "policy loaded");
      } catch (err) {
        policyReloads.inc({ outcome: "error" });
        logger.error({ err: (err as Error).message, why, keptPolicy: policies.current?.hash ?? null }, "policy_load_error");
      }
    };
    await loadPolicy("start");
    const onHup = () => void loadPolicy("SIGHUP");
    process.on("SIGHUP", onHup);
    ctx.onShutdown("sighup", () => void process.off("SIGHUP", onHup), "intake");
    ctx.readiness.add("policy", () =>
      policies.current ? { ok: true } : { ok: false, reason: `policy_load_error: ${policies.lastError}` },
    );

    const bus = await ctx.connectBus();
    const catalog = streamCatalogOf(config.nats);
    const jsm = await bus.jsm();
    await ctx.ensureStreams(bus, [catalog.TEMPLATES, catalog.BLOCKS]);
    const transactionsBucket = objectStoreCatalog({
      namePrefix: config.nats.stream_prefix,
      replicas: config.nats.stream_replicas,
    }).TEMPLATE_TRANSACTIONS;
    const templates = new TemplateStore(await ensureObjectStore(bus, transactionsBucket), transactionsBucket.bucket);

    // Template sources and the mempool view.
    const proposalsPublished = ctx.metrics.counter("proposals_published_total", "Template proposals published by this verifier's sources", [
      "source",
    ]);
    const publishFailures = ctx.metrics.counter(
      "proposal_publish_failures_total",
      "Template proposals (or their transactions) the bus refused; the source fetches and publishes again",
      ["source"],
    );
    const transactionReads = ctx.metrics.counter(
      "template_transactions_reads_total",
      "Reads of template transactions from the object store",
      ["outcome"],
    );
    const mempoolPolls = ctx.metrics.counter("mempool_polls_total", "Mempool polls by outcome", ["outcome"]);
    const configured = createSources(config, {
      instanceId: ctx.instanceId,
      logger,
      // The mempool is re-read before each proposal leaves, so Class M compares the template with
      // a snapshot at least as new as itself rather than racing the periodic poll. The transactions
      // are stored before the proposal that names them is published.
      onProposal: async ({ proposal, transactions }) => {
        await mempool.poll();
        try {
          if (transactions.length > 0) proposal.transactionsRef = await templates.put(proposal, transactions);
          await bus.publishDurable(bus.subjects.templateProposed, TemplateProposalSchema, proposal, {
            msgId: `${proposal.sourceInstanceId}:${proposal.templateId}:${proposal.createdAtUnixMs}`,
          });
        } catch (err) {
          publishFailures.inc({ source: proposal.source });
          throw err;
        }
        proposalsPublished.inc({ source: proposal.source });
        logger.debug(
          { templateId: proposal.templateId.toString(), height: proposal.blockHeight, txCount: proposal.txCount },
          "template proposed",
        );
      },
    });
    /** A proposal's transactions, or none when it names none or they cannot be read (then only its summary is checked). */
    const transactionsOf = async (proposal: TemplateProposal): Promise<readonly TemplateTransaction[]> => {
      if (!proposal.transactionsRef) return [];
      try {
        const transactions = await templates.get(proposal.transactionsRef);
        transactionReads.inc({ outcome: "ok" });
        return transactions;
      } catch (err) {
        transactionReads.inc({ outcome: "error" });
        logger.warn(
          { templateId: proposal.templateId.toString(), err: (err as Error).message },
          "template transactions unavailable: summary check only",
        );
        return [];
      }
    };
    const sources = configured.map((c) => c.source);
    const mempoolSource = sources.find((s) => s.pollMempool !== undefined);
    const mempool = new MempoolTracker(
      mempoolSource?.pollMempool?.bind(mempoolSource),
      { staleAfterMs: config.mempool_stale_after_ms, degradedAfterMs: config.mempool_degraded_after_ms },
      (outcome, err) => {
        mempoolPolls.inc({ outcome });
        if (err) logger.warn({ err: err.message }, "mempool_backend_unavailable: mempool poll failed");
      },
    );
    for (const c of configured) ctx.endpoint(c.source.name, c.endpoint);
    let mempoolTimer: NodeJS.Timeout | undefined;
    if (mempool.enabled) {
      await mempool.poll();
      mempoolTimer = setInterval(() => void mempool.poll(), config.mempool_poll_interval_ms);
      ctx.readiness.add("mempool", () =>
        mempool.ageMs(clock.now()) <= config.ready_mempool_max_age_ms
          ? { ok: true }
          : { ok: false, reason: "no successful mempool poll recently" },
      );
    }
    for (const s of sources) {
      if (s instanceof Sv2TdpSource) {
        ctx.metrics.gauge("tdp_failed_sessions", "Template Provider sessions that ended in an error since start", [], function () {
          this.set(s.connectionFailures);
        });
      }
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
    const sourcesHealthy = () => sourcesHealth(sources, config.upstream_stale_max_ms, clock.now()).ok;
    if (sources.length > 0) ctx.readiness.add("template-source", () => sourcesHealth(sources, config.upstream_stale_max_ms, clock.now()));

    // Proposals → verdicts.
    const verifier = new Verifier({
      policies,
      mempool: (now) => mempool.snapshot(now),
      halvingInterval: halvingInterval(config.network),
      instanceId: ctx.instanceId,
      metrics: ctx.metrics,
    });
    const log = new VerdictLog(config.verdict_log_size);
    let lastTemplateId = 0n;
    const outgoing = new Batcher<TemplateVerdict>(VERDICT_BATCH, (batch) => {
      for (const v of batch) bus.publish(bus.subjects.templateVerdict, TemplateVerdictSchema, v);
    });
    const handle = async (proposal: TemplateProposal) => {
      const [transactions] = await Promise.all([
        transactionsOf(proposal),
        mempool.freshAsOf(Number(proposal.createdAtUnixMs), MEMPOOL_REFRESH_WAIT_MS),
      ]);
      const verdict = verifier.decide({ ...proposal, transactions: [...transactions] });
      outgoing.add(verdict);
      log.add(recordOf(verdict));
      lastTemplateId = proposal.templateId;
      if (!verdict.accepted)
        logger.info(
          { templateId: proposal.templateId.toString(), reason: recordOf(verdict).reason_code, detail: verdict.reasonDetail },
          "template rejected",
        );
    };
    // A queue group: with several replicas each proposal gets exactly one verdict.
    const proposals = bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, handle, { queue: "template-verifier" });
    ctx.onShutdown(
      "proposals",
      async () => {
        await proposals.drain();
        outgoing.drain();
      },
      "intake",
    );

    // Found blocks → submitblock → BlockResult.
    const submitter = new BlockSubmitter({
      bus,
      sources: new Map(sources.map((s) => [s.name, s])),
      transactions: async (found) => (found.transactionsRef ? templates.get(found.transactionsRef) : []),
      instanceId: ctx.instanceId,
      logger,
      metrics: ctx.metrics,
    });
    const durable = blocksDurable(config.nats.subject_root);
    await ensureConsumer(jsm, {
      stream: catalog.BLOCKS.name,
      durable,
      description: "template-verifier: found blocks to submit",
      filterSubject: bus.subjects.blockFound,
      deliverPolicy: "new",
      ackWaitMs: 30_000,
      maxDeliver: -1,
    });
    const blocks = await bus.consume({
      stream: catalog.BLOCKS.name,
      consumer: durable,
      schema: BlockFoundSchema,
      concurrency: 1,
      retryDelayMs: (n) => backoffDelayMs(n, BLOCK_SUBMIT_BACKOFF),
      handler: async (found, delivery) => {
        await submitter.submit(found, delivery.redeliveryCount >= BLOCK_SUBMIT_ATTEMPTS - 1);
      },
    });
    ctx.onShutdown("blocks", () => blocks.stop(), "drain");

    // Heartbeat with the real state.
    const beats = ctx.metrics.counter("heartbeats_sent_total", "VerifierHeartbeat messages published");
    const heartbeat = new HeartbeatPublisher(
      bus,
      config.verifier_heartbeat_interval_ms,
      () => {
        beats.inc();
        const healthy = sourcesHealthy();
        return {
          verifierInstanceId: ctx.instanceId,
          ready: policies.current !== undefined && healthy && bus.health().ok,
          policyHash: policies.current?.hash ?? "",
          lastTemplateId,
          sourceHealthy: healthy,
          mempoolView: mempool.view(clock.now()),
        };
      },
      clock,
    );
    heartbeat.start();
    ctx.onShutdown("heartbeat", () => heartbeat.stop(), "intake");

    ctx.ops.route("GET", "/verdicts", verdictsRoute(log));

    ctx.grpc.add(TemplateVerifierAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
      ...policyAdmin(
        policies,
        verifier,
        (policyHash, origin) => {
          policyReloads.inc({ outcome: "ok" });
          logger.info({ policyHash, origin }, "policy loaded");
        },
        transactionsOf,
      ),
    });
  },
};
