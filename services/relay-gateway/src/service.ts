import { RELAY_SERVICE } from "@gatehouse/relay";
import { offLoopback, pollUntil, SafetyFlag, type ServiceDefinition, systemClock } from "@gatehouse/service";
import { registerAdmin } from "./admin.js";
import { authenticator } from "./api/auth.js";
import { type Config, configSchema, requestTimeoutMs } from "./config/config.js";
import { quorumSize } from "./config/quorum.js";
import { Gateway } from "./gateway.js";
import { RedisSenderRateLimiter } from "./handlers/common/sender-rate-limiter.js";
import { ConfidentialRelayHandler } from "./handlers/confidentialrelay/handler.js";
import type { Handler } from "./handlers/handler.js";
import { relayMetrics } from "./metrics.js";
import { MemberStatus } from "./network/member-status.js";
import { NatsDon } from "./network/nats-don.js";
import { subscribeNodeResponses } from "./network/node-responses.js";
import { RpcServer } from "./network/rpc-server.js";

/** JSON-RPC endpoint for enclaves: fans each request out to the relay DON and answers on F+1 agreement. */
export const service: ServiceDefinition<Config> = {
  name: "relay-gateway",
  config: configSchema,
  unsafe: (config) =>
    config.auth.mode === "none"
      ? offLoopback(config.rpc_addr, SafetyFlag.openAuth, `auth.mode is none while rpc_addr ${config.rpc_addr} is not loopback`)
      : [],
  async start(ctx) {
    const { config, logger } = ctx;
    const requestTimeout = requestTimeoutMs(config);
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const metrics = relayMetrics(ctx.metrics);
    const members = config.don.members;
    const quorum = quorumSize(config.don.quorum_type, members.length, config.don.f);
    const status = new MemberStatus(members, config.probe_interval_ms * 3, systemClock);
    const don = new NatsDon(bus, status);
    const responseSubject = bus.subjects.relayGatewayResponse(config.gateway_id);

    const handler = new ConfidentialRelayHandler({
      gatewayId: config.gateway_id,
      responseSubject,
      don: config.don,
      quorum,
      requestTimeoutMs: requestTimeout,
      nodeSendTimeoutMs: config.node_send_timeout_ms,
      sweepIntervalMs: config.sweep_interval_ms,
      maxActiveRequests: config.max_active_requests,
      maxActiveRequestsPerSender: config.max_active_requests_per_sender,
      nodeRateLimit: config.node_rate_limit,
      globalNodeRateLimit: config.global_node_rate_limit,
      transport: don,
      clock: systemClock,
      logger,
      metrics,
    });
    ctx.metrics.gauge("active_requests", "Requests awaiting quorum", [], function () {
      this.set(handler.activeCount);
    });
    ctx.metrics.gauge("reachable_members", "DON members that acknowledged recently", [], function () {
      this.set(status.reachableCount());
    });
    const subscription = subscribeNodeResponses(bus, responseSubject, (response) => handler.handleNodeMessage(response), logger);
    handler.start();

    const gateway = new Gateway({
      services: new Map<string, Handler>([[RELAY_SERVICE, handler]]),
      authenticate: authenticator(config.auth),
      senderLimiter: new RedisSenderRateLimiter(redis, config.sender_rate_limit.rps, config.sender_rate_limit.burst),
      gatewayTimeoutMs: config.gateway_timeout_ms,
      logger,
    });
    const rpc = new RpcServer({
      addr: config.rpc_addr,
      maxRequestBytes: config.max_request_bytes,
      gateway,
      logger,
      onAnswer: (code) => metrics.httpResponses.inc({ status: String(code) }),
    });
    ctx.endpoint("jsonrpc", await rpc.listen());

    ctx.readiness.add("don", () => {
      const reachable = status.reachableCount();
      return reachable >= quorum
        ? { ok: true }
        : { ok: false, reason: `${reachable} of ${members.length} members reachable, quorum needs ${quorum}` };
    });
    const probe = () => void don.probe(config.gateway_id, Math.min(config.node_send_timeout_ms, config.probe_interval_ms));
    probe();
    const prober = setInterval(probe, config.probe_interval_ms);
    prober.unref();

    registerAdmin({ ctx, gateway, handler, status, quorum, clock: systemClock });

    // Restart with requests in flight: refuse new ones, let in-flight ones finish within the
    // shutdown budget, then answer the rest with an error rather than dropping them.
    ctx.onShutdown(
      "relay-intake",
      () => {
        clearInterval(prober);
        gateway.drain();
      },
      "intake",
    );
    ctx.onShutdown(
      "relay-in-flight",
      async () => {
        const timeoutMs = Math.min(config.shutdown_timeout_ms / 2, requestTimeout);
        await pollUntil(() => handler.activeCount === 0, { timeoutMs, intervalMs: 20, clock: systemClock });
        handler.close("gateway shutting down: request abandoned");
      },
      "drain",
    );
    ctx.onShutdown("relay-rpc", () => rpc.close(), "drain");
    ctx.onShutdown(
      "relay-responses",
      async () => {
        await subscription.drain();
        don.close();
      },
      "close",
    );
  },
};
