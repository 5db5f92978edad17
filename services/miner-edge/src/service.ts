import { MinerEdgeAdminService } from "@gatehouse/proto/mineredge/v1";
import {
  EdgeEventSchema,
  EdgeEventType,
  GatewayReason,
  TemplateProposalSchema,
  TemplateVerdictSchema,
  VerdictReason,
  VerifierHeartbeatSchema,
} from "@gatehouse/proto/mining/v1";
import { type ServiceDefinition, streamCatalogOf, systemClock } from "@gatehouse/service";
import { IpConnectionCounts } from "./admission/ip-connections.js";
import { type Config, configSchema, unsafeSettings } from "./config.js";
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
import { latestTemplate } from "./templates/seed.js";
import { VerifierLink } from "./verifier-link.js";

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
    const config = ctx.config;
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const catalog = streamCatalogOf(config.nats);
    await ctx.ensureStreams(bus, [catalog.EDGE_EVENTS]);

    const clock = systemClock;
    const m = ctx.metrics;
    const eventsTotal = m.counter("events_total", "EdgeEvents recorded, by type and reason code", ["type", "reason"]);
    const sharesTotal = m.counter("shares_total", "Share submissions answered, by result and reason code", ["result", "reason"]);
    const shareAck = m.histogram("share_ack_seconds", "From a share's arrival to its answer (inline: after the JetStream PubAck)");
    const blocksFound = m.counter("blocks_found_total", "Shares that met the network target");
    const templatesTotal = m.counter("templates_received_total", "TemplateProposals received");
    const verdictsTotal = m.counter("verdicts_received_total", "TemplateVerdicts received, by outcome", ["accepted"]);
    const heartbeats = m.counter("verifier_heartbeats_total", "VerifierHeartbeat messages received");
    const deadlineCloses = m.counter(
      "deadline_closes_total",
      "Connections closed for a missed deadline: handshake, setup (SetupConnection), channel (first channel open), frame (frame completion)",
      ["deadline"],
    );
    const refused = m.counter(
      "connections_refused_total",
      "Connections refused before any SV2 byte, by limit: rate (new per IP per second), per_ip (open per IP), total (max_connections)",
      ["limit"],
    );
    const channelBitDifferences = m.counter(
      "channel_bit_differences_total",
      "Miner frames whose channel bit differs from the SV2 message table (accepted; the spec's examples and sv2-tp omit it), by message",
      ["message"],
    );

    const events = new EventLog(
      config.event_buffer_size,
      ctx.instanceId,
      [
        (event) => bus.publish(bus.subjects.edgeEvent, EdgeEventSchema, event, { msgId: event.eventId }),
        (event) => eventsTotal.inc({ type: EdgeEventType[event.type] ?? "", reason: reasonLabel(event.reasonCode) }),
      ],
      clock,
    );
    ctx.onShutdown("event-streams", () => events.closeStreams(), "drain");
    registerEventRoutes(ctx.ops, events);

    const link = new VerifierLink(clock);
    m.gauge("verifier_heartbeat_age_seconds", "Seconds since the last verifier heartbeat (-1 before the first)", [], function () {
      const age = link.ageMs();
      this.set(age === undefined ? -1 : age / 1000);
    });
    const modeState = new ModeState(config.mode, events, ctx.logger);
    m.gauge("mode_degraded", "1 while inline mode is degraded to observe (verifier heartbeat lost)", [], function () {
      this.set(modeState.degraded ? 1 : 0);
    });

    let edge: Edge | undefined;
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
      {
        serve: (template, newTip) => edge?.serve(template, newTip),
        tipRejected: (template) => {
          ctx.logger.warn(
            { templateId: String(template.proposal.templateId), reason: VerdictReason[template.verdictReason] },
            "verifier rejected a new prev_hash; miners keep the previous work",
          );
          events.record({
            type: EdgeEventType.prevhash_switched,
            reasonCode: GatewayReason.prevhash_verdict_rejected,
            reasonDetail: VerdictReason[template.verdictReason] ?? "",
          });
        },
        verdictLate: (template) =>
          ctx.logger.warn(
            { templateId: String(template.proposal.templateId) },
            "no verdict within prevhash_verdict_timeout_ms; holding the stale job",
          ),
        switchTimeout: (template, servedAnyway) => {
          const detail = servedAnyway ? "served unverified (fail_open)" : "old-tip jobs expired and miners disconnected (fail_closed)";
          ctx.logger.error({ templateId: String(template.proposal.templateId) }, `prevhash_switch_timeout: ${detail}`);
          events.record({ type: EdgeEventType.prevhash_switched, reasonCode: GatewayReason.prevhash_switch_timeout, reasonDetail: detail });
          if (!servedAnyway && edge) {
            edge.expireAllJobs();
            void edge.closeAll(GatewayReason.prevhash_switch_timeout, "prevhash-switch-timeout");
          }
        },
        malformed: (proposal, err) =>
          ctx.logger.error(
            { templateId: String(proposal.templateId), err: err.message },
            "template dropped: coinbase material is malformed",
          ),
      },
    );
    ctx.onShutdown("template-book", () => book.stop(), "close");

    const subscriptions = [
      bus.subscribe(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (heartbeat) => {
        link.record(heartbeat);
        heartbeats.inc();
      }),
      bus.subscribe(bus.subjects.templateProposed, TemplateProposalSchema, (proposal) => {
        templatesTotal.inc();
        book.onProposal(proposal, clock.now());
      }),
      bus.subscribe(bus.subjects.templateVerdict, TemplateVerdictSchema, (verdict) => {
        verdictsTotal.inc({ accepted: String(verdict.accepted) });
        if (config.mode === "shadow")
          ctx.logger.info(
            { templateId: String(verdict.templateId), accepted: verdict.accepted, reason: VerdictReason[verdict.reasonCode] },
            "template verdict",
          );
        book.onVerdict(verdict);
      }),
    ];
    ctx.onShutdown("subscriptions", () => Promise.all(subscriptions.map((s) => s.drain())).then(() => undefined), "intake");
    // After subscribing, so nothing newer is missed; used only if nothing arrived meanwhile.
    const seed = await latestTemplate(bus, catalog.TEMPLATES.name).catch((err: unknown) => {
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

    const degradeTimer = setInterval(
      () => {
        if (modeState.check(link.ageMs(), config.auto_degrade_after_ms, clock.now()) === "degraded") book.releasePending();
      },
      Math.min(1000, config.auto_degrade_after_ms / 4),
    );
    degradeTimer.unref();
    ctx.onShutdown("degrade-timer", () => clearInterval(degradeTimer), "intake");

    let listener: MinerListener | undefined;
    if (config.mode !== "shadow") {
      const identity =
        config.transport === "noise"
          ? loadNoiseIdentity({
              keyFile: config.noise_key_file,
              certFile: config.noise_cert_file,
              authorityFile: config.authority_public_key_file,
            }).identity
          : undefined;
      if (!identity) ctx.logger.warn("serving miners in PLAINTEXT: no encryption, no server authentication (GH_ALLOW_PLAINTEXT is set)");
      const lease = await ServerIdLease.claim(redis, ctx.instanceId, 30_000, () =>
        ctx.logger.error("edge server id lease lost; extranonce prefixes may collide"),
      );
      ctx.onShutdown("server-id", () => lease.release(), "drain");
      const dedup = new ShareDedup(redis, config.share_dedup_window_size);
      const sink = new BusShareSink(
        bus,
        { shares: catalog.SHARES.name, blocks: catalog.BLOCKS.name },
        ctx.instanceId,
        config.fee_tier,
        ctx.logger,
        () => blocksFound.inc(),
      );
      edge = new Edge({
        config,
        authorizer: new Authorizer({
          mode: config.auth.mode,
          allowlist: config.auth.allowlist,
          prefixMap: config.auth.prefix_map,
          maxWorkerIdBytes: config.max_worker_id_bytes,
        }),
        allocator: new ExtranonceAllocator(lease.id),
        book,
        events,
        dedup,
        shares: sink,
        mode: () => modeState.effective,
        modeState,
        deadlines: { setupMs: config.setup_timeout_ms, channelMs: config.channel_open_timeout_ms, frameMs: config.frame_timeout_ms },
        onDeadlineMissed: (deadline) => deadlineCloses.inc({ deadline }),
        logger: ctx.logger,
        clock,
        onShare: (result, reason, seconds) => {
          sharesTotal.inc({ result, reason });
          shareAck.observe(seconds);
        },
      });
      const admission = new ConnectionAdmission({
        rate: new ConnectionRateLimit(redis, config.connection_rate_limit_per_ip),
        local: new IpConnectionCounts(config.max_connections_per_ip),
        shared: new SharedConnectionCap(redis, ctx.instanceId, config.max_connections_per_ip, config.connection_lease_ms),
        logger: ctx.logger,
      });
      admission.start();
      ctx.onShutdown("connection-admission", () => admission.stop(), "close");
      const minerEdge = edge;
      listener = new MinerListener(
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
          onConnection: (conn, socket, id, peer, establishedAt) => minerEdge.attach(conn, socket, id, peer, establishedAt),
          onRefused: (limit) => refused.inc({ limit }),
          onHandshakeTimeout: () => deadlineCloses.inc({ deadline: "handshake" }),
          onChannelBitDiffers: (message) => channelBitDifferences.inc({ message }),
          events,
          logger: ctx.logger,
          clock,
        },
      );
      const bound = await listener.start();
      ctx.endpoint("sv2", `tcp://${bound}`);
      const minerListener = listener;
      ctx.onShutdown("sv2-listener", () => minerListener.stopAccepting(), "intake");
      ctx.onShutdown("miner-sessions", () => minerEdge.closeAll(GatewayReason.GATEWAY_REASON_UNSPECIFIED, "edge shutting down"), "drain");
      m.gauge("connections", "Open miner connections (including handshakes in progress)", [], function () {
        this.set(minerListener.connections);
      });
      m.gauge("channels", "Open standard channels", [], function () {
        this.set(minerEdge.channelCount);
      });
    }

    ctx.grpc.add(MinerEdgeAdminService, adminService({ ctx, link, edge, book, modeState }));
  },
};

function reasonLabel(reason: GatewayReason): string {
  return reason === GatewayReason.GATEWAY_REASON_UNSPECIFIED ? "" : (GatewayReason[reason] ?? "");
}
