import type { Bus } from "@gatehouse/bus";
import { RELAY_SERVICE } from "@gatehouse/relay";
import { pollUntil, type Redis, type ServiceContext, type ServiceDefinition, systemClock } from "@gatehouse/service";
import { registerAdmin } from "./admin.js";
import { authenticator } from "./api/auth.js";
import {
  type Config,
  configSchema,
  inFlightDrainMs,
  memberFreshMs,
  probeTimeoutMs,
  requestTimeoutMs,
  unsafeSettings,
} from "./config/config.js";
import { quorumSize } from "./config/quorum.js";
import { Gateway } from "./gateway.js";
import { RedisSenderRateLimiter } from "./handlers/common/sender-rate-limiter.js";
import { ConfidentialRelayHandler } from "./handlers/confidentialrelay/handler.js";
import type { Handler } from "./handlers/handler.js";
import { type RelayMetrics, relayGauges, relayMetrics } from "./metrics.js";
import { MemberStatus } from "./network/member-status.js";
import { NatsDon } from "./network/nats-don.js";
import { subscribeNodeResponses } from "./network/node-responses.js";
import { RpcServer } from "./network/rpc-server.js";

type Ctx = ServiceContext<Config>;
type NodeResponses = ReturnType<typeof subscribeNodeResponses>;

/** The DON as this gateway sees it. */
interface DonLink {
  quorum: number;
  status: MemberStatus;
  don: NatsDon;
}

/** JSON-RPC endpoint for enclaves: fans each request out to the relay DON and answers on F+1 agreement. */
export const service: ServiceDefinition<Config> = {
  name: "relay-gateway",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const metrics = relayMetrics(ctx.metrics);
    const link = donLink(ctx, bus);
    const { handler, responses } = relayHandler(ctx, bus, link, metrics);
    const gateway = requestGateway(ctx, redis, handler);
    const rpc = await serveJsonRpc(ctx, gateway, metrics);
    const prober = probeMembers(ctx, link);
    registerAdmin({ ctx, gateway, handler, status: link.status, quorum: link.quorum, clock: systemClock });
    shutDownInOrder(ctx, { prober, gateway, handler, rpc, responses, don: link.don });
  },
};

function donLink(ctx: Ctx, bus: Bus): DonLink {
  const { don } = ctx.config;
  const quorum = quorumSize(don.quorum_type, don.members.length, don.f);
  const status = new MemberStatus(don.members, memberFreshMs(ctx.config), systemClock);
  return { quorum, status, don: new NatsDon(bus, status) };
}

/** The confidential relay handler, its metrics, and the node responses on this gateway's subject. */
function relayHandler(
  ctx: Ctx,
  bus: Bus,
  link: DonLink,
  metrics: RelayMetrics,
): { handler: ConfidentialRelayHandler; responses: NodeResponses } {
  const { config, logger } = ctx;
  const responseSubject = bus.subjects.relayGatewayResponse(config.gateway_id);
  const handler = new ConfidentialRelayHandler({
    gatewayId: config.gateway_id,
    responseSubject,
    don: config.don,
    quorum: link.quorum,
    requestTimeoutMs: requestTimeoutMs(config),
    nodeSendTimeoutMs: config.node_send_timeout_ms,
    sweepIntervalMs: config.sweep_interval_ms,
    maxActiveRequests: config.max_active_requests,
    maxActiveRequestsPerSender: config.max_active_requests_per_sender,
    nodeRateLimit: config.node_rate_limit,
    globalNodeRateLimit: config.global_node_rate_limit,
    transport: link.don,
    clock: systemClock,
    logger,
    metrics,
  });
  relayGauges(ctx.metrics, { activeRequests: () => handler.activeCount, reachableMembers: () => link.status.reachableCount() });
  const responses = subscribeNodeResponses(bus, responseSubject, (response) => handler.handleNodeMessage(response), logger);
  handler.start();
  return { handler, responses };
}

function requestGateway(ctx: Ctx, redis: Redis, handler: ConfidentialRelayHandler): Gateway {
  const { config, logger } = ctx;
  return new Gateway({
    services: new Map<string, Handler>([[RELAY_SERVICE, handler]]),
    authenticate: authenticator(config.auth),
    senderLimiter: new RedisSenderRateLimiter(redis, config.sender_rate_limit.rps, config.sender_rate_limit.burst),
    gatewayTimeoutMs: config.gateway_timeout_ms,
    logger,
  });
}

async function serveJsonRpc(ctx: Ctx, gateway: Gateway, metrics: RelayMetrics): Promise<RpcServer> {
  const { config, logger } = ctx;
  const rpc = new RpcServer({
    addr: config.rpc_addr,
    maxRequestBytes: config.max_request_bytes,
    gateway,
    logger,
    onAnswer: (code) => metrics.httpResponses.inc({ status: String(code) }),
  });
  ctx.endpoint("jsonrpc", await rpc.listen());
  return rpc;
}

/** /readyz needs a quorum of reachable members; a probe every interval keeps that knowledge fresh. */
function probeMembers(ctx: Ctx, link: DonLink): NodeJS.Timeout {
  const { config } = ctx;
  ctx.readiness.add("don", () => link.status.quorumReadiness(link.quorum));
  const probe = () => void link.don.probe(config.gateway_id, probeTimeoutMs(config));
  probe();
  const prober = setInterval(probe, config.probe_interval_ms);
  prober.unref();
  return prober;
}

interface Running {
  prober: NodeJS.Timeout;
  gateway: Gateway;
  handler: ConfidentialRelayHandler;
  rpc: RpcServer;
  responses: NodeResponses;
  don: NatsDon;
}

// Restart with requests in flight: refuse new ones, let in-flight ones finish within the
// shutdown budget, then answer the rest with an error rather than dropping them.
function shutDownInOrder(ctx: Ctx, { prober, gateway, handler, rpc, responses, don }: Running): void {
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
      await pollUntil(() => handler.activeCount === 0, { timeoutMs: inFlightDrainMs(ctx.config), intervalMs: 20, clock: systemClock });
      handler.close("gateway shutting down: request abandoned");
    },
    "drain",
  );
  ctx.onShutdown("relay-rpc", () => rpc.close(), "drain");
  ctx.onShutdown(
    "relay-responses",
    async () => {
      await responses.drain();
      don.close();
    },
    "close",
  );
}
