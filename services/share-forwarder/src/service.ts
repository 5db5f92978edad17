import { type Bus, ensureConsumer, PULL_EXPIRES_MS } from "@gatehouse/bus";
import {
  ConfigError,
  EndOfTurn,
  SafetyFlag,
  type ServiceContext,
  type ServiceDefinition,
  sleep,
  streamCatalogOf,
} from "@gatehouse/service";
import { forwardResult, submissionBody } from "@gatehouse/shares";
import type { JetStreamManager } from "@nats-io/jetstream";
import { registerAdmin } from "./admin.js";
import { ShareBatcher } from "./batcher.js";
import type { AttemptOutcome } from "./classify.js";
import { type Config, configSchema, signingSecretProblems, unsafeSettings } from "./config.js";
import { DedupWindow } from "./dedup.js";
import { UpstreamUnreachableError } from "./errors.js";
import { forwardShare, postShare } from "./forward.js";
import { UpstreamHealth } from "./health.js";
import { type ForwarderMetrics, forwarderMetrics } from "./metrics.js";
import { ForwardPipeline } from "./pipeline.js";
import { queueStreamSpec } from "./queue-spec.js";
import { tcpReachable } from "./reachable.js";
import { ResultLog } from "./results.js";
import { WebhookSigner } from "./signing.js";
import { consumerMaxAckPending, deliveryBufferSize, resultReasonLabel, upstreamResponseLimitBytes } from "./sizing.js";
import { UpstreamClient } from "./upstream.js";

const DURABLE = "share-forwarder";
const EVICTION_CHECK_MS = 100;

type Ctx = ServiceContext<Config>;
/** One share's next attempt: its own signed POST, or its place in a batch POST. */
type AttemptFor = (eventId: string, body: Uint8Array) => () => Promise<AttemptOutcome>;

/** What the wiring steps share. */
interface Wiring {
  ctx: Ctx;
  bus: Bus;
  jsm: JetStreamManager;
  sharesStream: string;
  sharesResultsStream: string;
  bufferSize: number;
  metrics: ForwarderMetrics;
}

/** Forwards accepted shares from the SHARES work queue to the pool backend, one result per share. */
export const service: ServiceDefinition<Config> = {
  name: "share-forwarder",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const secrets = checkSigningSecrets(ctx.config);
    await checkInlineUpstream(ctx);
    const bus = await ctx.connectBus();
    const w: Wiring = { ctx, bus, ...(await provisionStreams(ctx, bus)), metrics: forwarderMetrics(ctx.metrics) };
    const turn = new EndOfTurn((err) => ctx.logger.warn({ err }, "acknowledging a recorded share failed"));
    const results = new ResultLog(bus, w.sharesResultsStream, turn);
    const dedup = new DedupWindow(ctx.config.share_dedup_window_size);
    const seeded = await results.seed(dedup, ctx.config.share_dedup_window_size);
    const health = upstreamHealth(w);
    const { client, attemptFor } = upstreamAttempts(w, secrets, health);
    let recorded = 0;
    const pipeline = forwardPipeline(w, { attemptFor, health, results, dedup, turn, onRecorded: () => (recorded += 1) });
    await consumeShares(w, pipeline, client);
    registerAdmin({
      ctx,
      jsm: w.jsm,
      sharesStream: w.sharesStream,
      durable: DURABLE,
      pipeline,
      health,
      dedup,
      results,
      recorded: () => recorded,
    });
    ctx.endpoint("share-upstream", new URL(ctx.config.share_upstream_url).origin);
    logStarted(w, seeded);
  },
};

/** Every signing secret (the current one and those kept during a rotation), refused at start if malformed. */
function checkSigningSecrets(config: Config): string[] {
  const secrets = [config.share_upstream_secret, ...config.share_upstream_extra_secrets];
  const problems = signingSecretProblems(secrets);
  if (problems.length > 0) throw new ConfigError(problems);
  return secrets;
}

/** Inline mode does not start without its upstream unless the safety flag says so. */
async function checkInlineUpstream(ctx: Ctx): Promise<void> {
  const { config } = ctx;
  if (config.mode !== "inline" || ctx.allowed(SafetyFlag.noShareUpstreamReadyInline)) return;
  if (await tcpReachable(config.share_upstream_url, config.share_upstream_submit_timeout_ms)) return;
  const origin = new URL(config.share_upstream_url).origin;
  throw new UpstreamUnreachableError(
    origin,
    `share upstream ${origin} is not reachable and mode is inline (set GH_${SafetyFlag.noShareUpstreamReadyInline}=1 to start anyway)`,
  );
}

/** SHARES as the forward queue and SHARE_RESULTS (`ctx.ensureStreams`), and the durable consumer of SHARES. */
async function provisionStreams(ctx: Ctx, bus: Bus): Promise<Pick<Wiring, "jsm" | "sharesStream" | "sharesResultsStream" | "bufferSize">> {
  const { config } = ctx;
  const catalog = streamCatalogOf(config.nats);
  const jsm = await bus.jsm();
  const sharesStream = catalog.SHARES.name;
  await ctx.ensureStreams(bus, [
    queueStreamSpec(catalog.SHARES, config.share_forward_queue_size, config.share_forward_queue_drop_policy),
    catalog.SHARE_RESULTS,
  ]);
  const maxInFlight = config.share_forward_max_in_flight;
  const bufferSize = deliveryBufferSize(maxInFlight);
  await ensureConsumer(jsm, {
    stream: sharesStream,
    durable: DURABLE,
    description: "share-forwarder: shares to the pool backend",
    ackWaitMs: config.share_forward_ack_wait_ms,
    maxAckPending: consumerMaxAckPending(maxInFlight, bufferSize),
    maxDeliver: -1,
  });
  return { jsm, sharesStream, sharesResultsStream: catalog.SHARE_RESULTS.name, bufferSize };
}

/** The upstream's reachability: the reachable gauge, outage log lines, and /readyz after a long outage. */
function upstreamHealth(w: Wiring): UpstreamHealth {
  const { config, logger } = w.ctx;
  const health = new UpstreamHealth(config.share_upstream_outage_failures, (down) => {
    w.metrics.upstreamReachable.set(down ? 0 : 1);
    if (down) logger.warn({ upstream: new URL(config.share_upstream_url).origin }, "share upstream unreachable: holding shares");
    else logger.info("share upstream reachable again: draining");
  });
  w.metrics.upstreamReachable.set(1);
  w.ctx.readiness.add("share-upstream", () => health.probe(config.share_upstream_unready_after_ms));
  return health;
}

/** The upstream client and signer, and one share's attempt: its own signed POST, or its place in a batch POST. */
function upstreamAttempts(w: Wiring, secrets: string[], health: UpstreamHealth): { client: UpstreamClient; attemptFor: AttemptFor } {
  const { config } = w.ctx;
  const signer = new WebhookSigner(secrets);
  const batchMaxShares = config.share_upstream_batch_max_shares;
  const client = new UpstreamClient({
    url: config.share_upstream_url,
    connections: config.share_forward_max_in_flight,
    timeoutMs: config.share_upstream_submit_timeout_ms,
    maxResponseBytes: upstreamResponseLimitBytes(batchMaxShares),
  });
  const onAttempt = (outcome: AttemptOutcome, seconds: number) => {
    w.metrics.upstreamRequests.inc({ outcome: outcome.kind });
    w.metrics.upstreamSeconds.observe(seconds);
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
          { post: (body, headers) => client.post(body, headers, batchPath), sign, health, onAttempt },
        )
      : undefined;
  const attemptFor: AttemptFor = (eventId, body) =>
    batcher
      ? () => batcher.attempt(eventId, body)
      : () => postShare(eventId, body, { post: (b, headers) => client.post(b, headers), sign, health, onAttempt });
  return { client, attemptFor };
}

interface PipelineParts {
  attemptFor: AttemptFor;
  health: UpstreamHealth;
  results: ResultLog;
  dedup: DedupWindow;
  turn: EndOfTurn;
  onRecorded: () => void;
}

/** The forward pipeline: each share forwarded with retries, its result recorded before its ack; its gauges. */
function forwardPipeline(w: Wiring, parts: PipelineParts): ForwardPipeline {
  const { ctx, jsm, sharesStream, metrics } = w;
  const { config } = ctx;
  const { attemptFor, health, results, dedup, turn } = parts;
  const backoff = {
    baseMs: config.share_upstream_backoff_base_ms,
    maxMs: config.share_upstream_backoff_max_ms,
    retryAfterMaxMs: config.share_upstream_retry_after_max_ms,
  };
  const queueLength = async () => (await jsm.streams.info(sharesStream)).state.messages;
  const pipeline = new ForwardPipeline(
    {
      maxInFlight: config.share_forward_max_in_flight,
      bufferSize: w.bufferSize,
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
      queueLength,
      logger: ctx.logger,
      onResult: (outcome, item) => {
        parts.onRecorded();
        metrics.results.inc({ reason_code: resultReasonLabel(outcome.reasonCode), forwarded: String(outcome.forwarded) });
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
    queued: queueLength,
  });
  return pipeline;
}

/** Runs the pipeline over the durable consumer; shutdown drains it, then closes the upstream client. */
async function consumeShares(w: Wiring, pipeline: ForwardPipeline, client: UpstreamClient): Promise<void> {
  const { ctx, bus, sharesStream, bufferSize } = w;
  const consumer = await bus.js.consumers.get(sharesStream, DURABLE);
  const messages = await consumer.consume({ max_messages: bufferSize, expires: PULL_EXPIRES_MS });
  const running = pipeline.run(messages).catch((err) => ctx.logger.error({ err }, "share pipeline stopped"));
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
}

function logStarted(w: Wiring, seeded: number): void {
  const { config, logger } = w.ctx;
  logger.info(
    {
      sharesStream: w.sharesStream,
      dropPolicy: config.share_forward_queue_drop_policy,
      queueSize: config.share_forward_queue_size,
      maxInFlight: config.share_forward_max_in_flight,
      batchMaxShares: config.share_upstream_batch_max_shares,
      dedupSeeded: seeded,
    },
    "share forwarding started",
  );
}
