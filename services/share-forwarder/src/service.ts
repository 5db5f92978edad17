import { ensureConsumer } from "@gatehouse/bus";
import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { ShareForwarderAdminService } from "@gatehouse/proto/shareforwarder/v1";
import { ConfigError, SafetyFlag, type ServiceDefinition, serviceStatus, sleep, streamCatalogOf } from "@gatehouse/service";
import { forwardResult, submissionBody } from "@gatehouse/shares";
import { ShareBatcher } from "./batcher.js";
import type { AttemptOutcome } from "./classify.js";
import { type Config, configSchema, signingSecretProblems, unsafeSettings } from "./config.js";
import { DedupWindow } from "./dedup.js";
import { EndOfTurn } from "./end-of-turn.js";
import { UpstreamUnreachableError } from "./errors.js";
import { forwardShare, postShare } from "./forward.js";
import { UpstreamHealth } from "./health.js";
import { forwarderMetrics } from "./metrics.js";
import { ForwardPipeline } from "./pipeline.js";
import { queueStreamSpec } from "./queue-spec.js";
import { tcpReachable } from "./reachable.js";
import { ResultLog } from "./results.js";
import { WebhookSigner } from "./signing.js";
import { UpstreamClient } from "./upstream.js";

const DURABLE = "share-forwarder";
const EVICTION_CHECK_MS = 100;
const DEFAULT_REPLAY_LIMIT = 10_000;

/** Forwards accepted shares from the SHARES work queue to the pool backend, one result per share. */
export const service: ServiceDefinition<Config> = {
  name: "share-forwarder",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const { config, logger } = ctx;
    const secrets = [config.share_upstream_secret, ...config.share_upstream_extra_secrets];
    const secretProblems = signingSecretProblems(secrets);
    if (secretProblems.length > 0) throw new ConfigError(secretProblems);
    if (config.mode === "inline" && !ctx.allowed(SafetyFlag.noShareUpstreamReadyInline)) {
      if (!(await tcpReachable(config.share_upstream_url, config.share_upstream_submit_timeout_ms))) {
        const origin = new URL(config.share_upstream_url).origin;
        throw new UpstreamUnreachableError(
          origin,
          `share upstream ${origin} is not reachable and mode is inline (set GH_${SafetyFlag.noShareUpstreamReadyInline}=1 to start anyway)`,
        );
      }
    }
    const bus = await ctx.connectBus();
    const catalog = streamCatalogOf(config.nats);
    const jsm = await bus.jsm();
    const sharesStream = catalog.SHARES.name;
    await ctx.ensureStreams(bus, [
      queueStreamSpec(catalog.SHARES, config.share_forward_queue_size, config.share_forward_queue_drop_policy),
      catalog.SHARE_RESULTS,
    ]);
    const maxInFlight = config.share_forward_max_in_flight;
    const bufferSize = Math.max(64, maxInFlight);
    await ensureConsumer(jsm, {
      stream: sharesStream,
      durable: DURABLE,
      description: "share-forwarder: shares to the pool backend",
      ackWaitMs: config.share_forward_ack_wait_ms,
      maxAckPending: maxInFlight + 2 * bufferSize,
      maxDeliver: -1,
    });

    // Result publishes and acks go out once per event-loop turn (see EndOfTurn).
    const turn = new EndOfTurn((err) => logger.warn({ err }, "acknowledging a recorded share failed"));
    const results = new ResultLog(bus, catalog.SHARE_RESULTS.name, turn);
    const dedup = new DedupWindow(config.share_dedup_window_size);
    const seeded = await results.seed(dedup, config.share_dedup_window_size);
    const metrics = forwarderMetrics(ctx.metrics);
    const health = new UpstreamHealth(config.share_upstream_outage_failures, (down) => {
      metrics.upstreamReachable.set(down ? 0 : 1);
      if (down) logger.warn({ upstream: new URL(config.share_upstream_url).origin }, "share upstream unreachable: holding shares");
      else logger.info("share upstream reachable again: draining");
    });
    metrics.upstreamReachable.set(1);
    ctx.readiness.add("share-upstream", () => health.probe(config.share_upstream_unready_after_ms));

    const signer = new WebhookSigner(secrets);
    const batchMaxShares = config.share_upstream_batch_max_shares;
    const client = new UpstreamClient({
      url: config.share_upstream_url,
      connections: maxInFlight,
      timeoutMs: config.share_upstream_submit_timeout_ms,
      // A batch answer carries one entry per share.
      maxResponseBytes: Math.max(16 * 1024, batchMaxShares * 512),
    });
    const backoff = {
      baseMs: config.share_upstream_backoff_base_ms,
      maxMs: config.share_upstream_backoff_max_ms,
      retryAfterMaxMs: config.share_upstream_retry_after_max_ms,
    };
    let recorded = 0;
    const countAttempt = (outcome: AttemptOutcome, seconds: number) => {
      metrics.upstreamRequests.inc({ outcome: outcome.kind });
      metrics.upstreamSeconds.observe(seconds);
    };
    const sign = (id: string, body: Uint8Array, nowMs: number) => signer.sign(id, body, nowMs);
    const batchPath = config.share_upstream_batch_path;
    // Batch mode (batch_max_shares > 1; the schema requires batch_path then): each attempt takes
    // a place in the next batch POST. Per-share mode: each attempt is one POST.
    const batcher =
      batchMaxShares > 1 && batchPath !== undefined
        ? new ShareBatcher(
            {
              maxShares: batchMaxShares,
              maxBytes: config.share_upstream_batch_max_bytes,
              maxWaitMs: config.share_upstream_batch_max_wait_ms,
            },
            { post: (body, headers) => client.post(body, headers, batchPath), sign, health, onAttempt: countAttempt },
          )
        : undefined;
    const attemptFor = (eventId: string, body: Uint8Array): (() => Promise<AttemptOutcome>) =>
      batcher
        ? () => batcher.attempt(eventId, body)
        : () => postShare(eventId, body, { post: (b, headers) => client.post(b, headers), sign, health, onAttempt: countAttempt });

    const pipeline = new ForwardPipeline(
      {
        maxInFlight,
        bufferSize,
        queueSize: config.share_forward_queue_size,
        dropPolicy: config.share_forward_queue_drop_policy,
        ackWaitMs: config.share_forward_ack_wait_ms,
        evictionCheckMs: EVICTION_CHECK_MS,
      },
      {
        forward: (item, signal) =>
          forwardShare(
            attemptFor(item.share.eventId, submissionBody(item.share)),
            { health, retries: config.share_upstream_retries, backoff, sleep },
            signal,
          ),
        upstreamDown: () => health.down,
        record: async (item, outcome) => {
          await results.record(forwardResult(item.share, outcome, ctx.instanceId), item.traceparent);
        },
        dedup,
        queueLength: async () => (await jsm.streams.info(sharesStream)).state.messages,
        logger,
        onResult: (outcome, item) => {
          recorded += 1;
          const reason = outcome.reasonCode === GatewayReason.GATEWAY_REASON_UNSPECIFIED ? "none" : GatewayReason[outcome.reasonCode];
          metrics.results.inc({ reason_code: reason ?? "unknown", forwarded: String(outcome.forwarded) });
          if (outcome.attempts > 1) metrics.retries.inc(outcome.attempts - 1);
          metrics.forwardSeconds.observe((performance.now() - item.deliveredAt) / 1000);
        },
        onIgnored: (why) => metrics.ignored.inc({ why }),
        defer: (work) => turn.defer(work),
      },
    );

    metrics.observe({
      inFlight: () => pipeline.status().inFlight,
      waiting: () => pipeline.status().waiting,
      queued: async () => (await jsm.streams.info(sharesStream)).state.messages,
    });

    const consumer = await bus.js.consumers.get(sharesStream, DURABLE);
    const messages = await consumer.consume({ max_messages: bufferSize });
    const running = pipeline.run(messages).catch((err) => logger.error({ err }, "share pipeline stopped"));
    ctx.onShutdown(
      "share-pipeline",
      async () => {
        await messages.close();
        await pipeline.stop();
        await running;
        await client.close();
      },
      "drain",
    );

    ctx.grpc.add(ShareForwarderAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
      getQueueStatus: async () => {
        const [stream, info] = await Promise.all([jsm.streams.info(sharesStream), jsm.consumers.info(sharesStream, DURABLE)]);
        const local = pipeline.status();
        return {
          queued: BigInt(stream.state.messages),
          undelivered: BigInt(info.num_pending),
          capacity: BigInt(config.share_forward_queue_size),
          dropPolicy: config.share_forward_queue_drop_policy,
          waiting: local.waiting,
          inFlight: local.inFlight,
          maxInFlight,
          paused: local.paused,
          upstreamReachable: !health.down,
          upstreamUnreachableMs: BigInt(health.unreachableForMs()),
          resultsRecorded: BigInt(recorded),
          dedupWindowEntries: dedup.size,
        };
      },
      pauseDelivery: async () => {
        pipeline.pause();
        logger.info("share delivery paused");
        return { paused: true };
      },
      resumeDelivery: async () => {
        pipeline.resume();
        logger.info("share delivery resumed");
        return { paused: false };
      },
      replayResults: async (request, call) => {
        const limit = request.limit === 0 ? DEFAULT_REPLAY_LIMIT : request.limit;
        await results.replay(Number(request.fromUnixMs), Number(request.toUnixMs), limit, (result) => call.send({ result }));
      },
    });
    ctx.endpoint("share-upstream", new URL(config.share_upstream_url).origin);
    logger.info(
      {
        sharesStream,
        dropPolicy: config.share_forward_queue_drop_policy,
        queueSize: config.share_forward_queue_size,
        maxInFlight,
        batchMaxShares,
        dedupSeeded: seeded,
      },
      "share forwarding started",
    );
  },
};
