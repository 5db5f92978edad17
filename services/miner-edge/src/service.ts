import { type Bus, withHeaders } from "@gatehouse/bus";
import { MinerEdgeAdminService } from "@gatehouse/proto/mineredge/v1";
import {
  EdgeEventSchema,
  GatewayReason,
  TemplateProposalSchema,
  TemplateVerdictSchema,
  VerdictReason,
  VerifierHeartbeatSchema,
} from "@gatehouse/proto/mining/v1";
import { type Clock, type Redis, type ServiceContext, type ServiceDefinition, streamCatalogOf, systemClock } from "@gatehouse/service";
import type { ServerIdentity } from "@gatehouse/sv2";
import { IpConnectionCounts } from "./admission/ip-connections.js";
import { authPolicy, type Config, configSchema, unsafeSettings } from "./config.js";
import { CounterChildren, type EdgeMetrics, edgeMetrics, eventCounter, servingGauges, verifierGauges } from "./metrics.js";
import { adminService } from "./ops/admin.js";
import { EventLog } from "./ops/event-log.js";
import { registerEventRoutes } from "./ops/event-routes.js";
import { Authorizer } from "./protocol/auth.js";
import { EXTRANONCE_PREFIX_BYTES, ExtranonceAllocator } from "./protocol/extranonce.js";
import { SharedConnectionCap } from "./redis/connection-cap.js";
import { ConnectionRateLimit } from "./redis/connection-rate.js";
import { ServerIdLease } from "./redis/server-id.js";
import { ShareDedup } from "./redis/share-dedup.js";
import { ConnectionAdmission } from "./server/admission.js";
import { Edge } from "./server/edge.js";
import { MinerListener } from "./server/listener.js";
import { ModeState } from "./server/mode-state.js";
import { loadNoiseIdentity } from "./server/noise-identity.js";
import { BusShareSink } from "./shares/sink.js";
import { TemplateBook } from "./templates/book.js";
import { bookOutcomes } from "./templates/book-outcomes.js";
import { latestTemplate } from "./templates/seed.js";
import { VerifierLink } from "./verifier-link.js";

type Ctx = ServiceContext<Config>;

/** What the wiring steps share. */
interface Wiring {
  ctx: Ctx;
  bus: Bus;
  clock: Clock;
  metrics: EdgeMetrics;
  events: EventLog;
}

/**
 * The SV2 server miners connect to: Noise NX, standard channels, jobs from the bus's templates
 * (gated by the verifier's verdicts in inline mode), share validation, and accepted shares into
 * the SHARES stream before the miner hears "accepted" (inline).
 */
export const service: ServiceDefinition<Config> = {
  name: "miner-edge",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    await ctx.ensureStreams(bus, [streamCatalogOf(ctx.config.nats).EDGE_EVENTS]);
    const metrics = edgeMetrics(ctx.metrics);
    const w: Wiring = { ctx, bus, clock: systemClock, metrics, events: recordEvents(ctx, bus, metrics, systemClock) };
    const { link, modeState } = watchVerifier(w);
    let edge: Edge | undefined;
    const book = templateBook(w, modeState, () => edge);
    await followTemplates(w, book, link);
    startDegradeCheck(w, link, modeState, book);
    if (ctx.config.mode !== "shadow") {
      const identity = noiseIdentity(ctx, w.clock);
      edge = await minerSessions(w, redis, book, modeState);
      await listenForMiners(w, redis, edge, identity);
    }
    ctx.grpc.add(MinerEdgeAdminService, adminService({ ctx, link, edge, book, modeState }));
  },
};

/** Every edge decision as an EdgeEvent: onto the bus, into the metrics, and to /gateway/events. */
function recordEvents(ctx: Ctx, bus: Bus, metrics: EdgeMetrics, clock: Clock): EventLog {
  const events = new EventLog(
    ctx.config.event_buffer_size,
    ctx.instanceId,
    [
      (event, bytes) => bus.publishEncoded(bus.subjects.edgeEvent, withHeaders(EdgeEventSchema, bytes, { msgId: event.eventId })),
      eventCounter(metrics),
    ],
    clock,
  );
  ctx.onShutdown("event-streams", () => events.closeStreams(), "drain");
  registerEventRoutes(ctx.ops, events);
  return events;
}

/** The verifier as the edge sees it (its heartbeats), and the mode that follows from it. */
function watchVerifier(w: Wiring): { link: VerifierLink; modeState: ModeState } {
  const link = new VerifierLink(w.clock);
  const modeState = new ModeState(w.ctx.config.mode, w.events, w.ctx.logger);
  verifierGauges(w.ctx.metrics, { heartbeatAgeMs: () => link.ageMs(), degraded: () => modeState.degraded });
  return { link, modeState };
}

function templateBook(w: Wiring, modeState: ModeState, miners: () => Edge | undefined): TemplateBook {
  const { config } = w.ctx;
  const book = new TemplateBook(
    {
      cacheSize: config.template_cache_size,
      extranonceLength: EXTRANONCE_PREFIX_BYTES,
      verdictTimeoutMs: config.prevhash_verdict_timeout_ms,
      staleHoldMs: config.prevhash_stale_hold_ms,
      failurePolicy: config.upstream_failure_policy,
      maxFutureTemplates: config.max_future_templates,
      mode: () => modeState.effective,
    },
    bookOutcomes({ miners, events: w.events, logger: w.ctx.logger }),
  );
  w.ctx.onShutdown("template-book", () => book.stop(), "close");
  return book;
}

/** Heartbeats, proposals and verdicts from the bus; then the newest stored template if none arrived meanwhile. */
async function followTemplates(w: Wiring, book: TemplateBook, link: VerifierLink): Promise<void> {
  const { ctx, bus, metrics, clock } = w;
  const subscriptions = [
    bus.subscribe(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (heartbeat) => {
      link.record(heartbeat);
      metrics.heartbeats.inc();
    }),
    bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, (proposal) => {
      metrics.templates.inc();
      book.onProposal(proposal, clock.now());
    }),
    bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (verdict) => {
      metrics.verdicts.inc({ accepted: String(verdict.accepted) });
      if (ctx.config.mode === "shadow")
        ctx.logger.info(
          { templateId: String(verdict.templateId), accepted: verdict.accepted, reason: VerdictReason[verdict.reasonCode] },
          "template verdict",
        );
      book.onVerdict(verdict);
    }),
  ];
  ctx.onShutdown("subscriptions", () => Promise.all(subscriptions.map((s) => s.drain())).then(() => undefined), "intake");
  // After subscribing, so nothing newer is missed; used only if nothing arrived meanwhile.
  const seed = await latestTemplate(bus, streamCatalogOf(ctx.config.nats).TEMPLATES.name).catch((err: unknown) => {
    ctx.logger.warn({ err: (err as Error).message }, "could not read the latest template from the TEMPLATES stream");
    return undefined;
  });
  if (seed && book.size === 0) {
    ctx.logger.info(
      { templateId: String(seed.proposal.templateId), verdict: seed.verdict?.accepted },
      "starting from the latest stored template",
    );
    book.onProposal(seed.proposal, seed.storedAt);
    if (seed.verdict) book.onVerdict(seed.verdict);
  }
}

/** Inline degrades to observe while heartbeats stop; on degrading, templates held for a verdict are served. */
function startDegradeCheck(w: Wiring, link: VerifierLink, modeState: ModeState, book: TemplateBook): void {
  const limitMs = w.ctx.config.auto_degrade_after_ms;
  const timer = setInterval(
    () => {
      if (modeState.check(link.ageMs(), limitMs, w.clock.now()) === "degraded") book.releasePending();
    },
    Math.min(1000, limitMs / 4),
  );
  timer.unref();
  w.ctx.onShutdown("degrade-timer", () => clearInterval(timer), "intake");
}

/** The Noise server identity, checked against the authority now; undefined when plaintext is allowed. */
function noiseIdentity(ctx: Ctx, clock: Clock): ServerIdentity | undefined {
  const { config } = ctx;
  const identity =
    config.transport === "noise"
      ? loadNoiseIdentity(
          {
            keyFile: config.noise_key_file,
            certFile: config.noise_cert_file,
            authorityFile: config.authority_public_key_file,
          },
          clock,
        ).identity
      : undefined;
  if (!identity) ctx.logger.warn("serving miners in PLAINTEXT: no encryption, no server authentication (GH_ALLOW_PLAINTEXT is set)");
  return identity;
}

/** The sessions and what each needs: a leased server id (extranonce prefixes), the replay window, the share sink. */
async function minerSessions(w: Wiring, redis: Redis, book: TemplateBook, modeState: ModeState): Promise<Edge> {
  const { ctx, bus, metrics, events, clock } = w;
  const { config } = ctx;
  const catalog = streamCatalogOf(config.nats);
  const lease = await ServerIdLease.claim(redis, ctx.instanceId, 30_000, () =>
    ctx.logger.error("edge server id lease lost; extranonce prefixes may collide"),
  );
  ctx.onShutdown("server-id", () => lease.release(), "drain");
  const sink = new BusShareSink(
    bus,
    { shares: catalog.SHARES.name, blocks: catalog.BLOCKS.name },
    ctx.instanceId,
    config.fee_tier,
    ctx.logger,
    () => metrics.blocksFound.inc(),
  );
  const shareCounts = new CounterChildren(metrics.shares, ["result", "reason"]);
  return new Edge({
    config,
    authorizer: new Authorizer(authPolicy(config)),
    allocator: new ExtranonceAllocator(lease.id),
    book,
    events,
    dedup: new ShareDedup(redis, config.share_dedup_window_size),
    shares: sink,
    mode: () => modeState.effective,
    modeState,
    deadlines: { setupMs: config.setup_timeout_ms, channelMs: config.channel_open_timeout_ms, frameMs: config.frame_timeout_ms },
    onDeadlineMissed: (deadline) => metrics.deadlineCloses.inc({ deadline }),
    logger: ctx.logger,
    clock,
    onShare: (result, reason, seconds) => {
      shareCounts.inc(result, reason);
      metrics.shareAck.observe(seconds);
    },
  });
}

/** The miners' TCP port behind connection admission (rate and per-address caps, shared in Redis). */
async function listenForMiners(w: Wiring, redis: Redis, edge: Edge, identity: ServerIdentity | undefined): Promise<void> {
  const { ctx, metrics, events, clock } = w;
  const { config } = ctx;
  const admission = new ConnectionAdmission({
    rate: new ConnectionRateLimit(redis, config.connection_rate_limit_per_ip, clock),
    local: new IpConnectionCounts(config.max_connections_per_ip),
    shared: new SharedConnectionCap(redis, ctx.instanceId, config.max_connections_per_ip, config.connection_lease_ms),
    logger: ctx.logger,
  });
  admission.start();
  ctx.onShutdown("connection-admission", () => admission.stop(), "close");
  const listener = new MinerListener(
    {
      addr: config.listen_addr,
      identity,
      handshakeTimeoutMs: config.handshake_timeout_ms,
      maxFrameBytes: config.max_frame_bytes,
      maxWriteBufferBytes: config.send_buffer_bytes,
      maxConnections: config.max_connections,
      idleTimeoutMs: config.idle_timeout_ms,
    },
    {
      admit: (address) => admission.admit(address),
      onConnection: (conn, socket, id, peer, establishedAt) => edge.attach(conn, socket, id, peer, establishedAt),
      onRefused: (limit) => metrics.refused.inc({ limit }),
      onHandshakeTimeout: () => metrics.deadlineCloses.inc({ deadline: "handshake" }),
      onChannelBitDiffers: (message) => metrics.channelBitDifferences.inc({ message }),
      events,
      logger: ctx.logger,
      clock,
    },
  );
  const bound = await listener.start();
  ctx.endpoint("sv2", `tcp://${bound}`);
  ctx.onShutdown("sv2-listener", () => listener.stopAccepting(), "intake");
  ctx.onShutdown("miner-sessions", () => edge.closeAll(GatewayReason.GATEWAY_REASON_UNSPECIFIED, "edge shutting down"), "drain");
  servingGauges(ctx.metrics, { connections: () => listener.connections, channels: () => edge.channelCount });
}
