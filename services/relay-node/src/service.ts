import { readFileSync } from "node:fs";
import type { Bus } from "@gatehouse/bus";
import { SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import { RelayNodeAdminService } from "@gatehouse/proto/relaynode/v1";
import { EndOfTurn, pollUntil, type ServiceContext, type ServiceDefinition, serviceStatus, systemClock } from "@gatehouse/service";
import { DevAttestationVerifier } from "./attestation/dev.js";
import { NitroAttestationVerifier } from "./attestation/nitro.js";
import type { AttestationVerifier } from "./attestation/verifier.js";
import { CapabilityRegistry, echoCapability, hashCapability, httpCapability } from "./capabilities/registry.js";
import { type Config, configSchema, unsafeSettings } from "./config.js";
import { type NodeIdentity, nodeIdentity } from "./keys.js";
import { type NodeMetrics, nodeMetrics } from "./metrics.js";
import { RelayNodeHandler } from "./node-handler.js";
import { serveRelayRequests } from "./request-intake.js";

type Ctx = ServiceContext<Config>;

/** A DON member answering relay requests: attests, executes, signs, publishes. */
export const service: ServiceDefinition<Config> = {
  name: "relay-node",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const identity = loadIdentity(ctx);
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const metrics = nodeMetrics(ctx.metrics);
    const capabilities = capabilityRegistry(ctx.config);
    const turnEnd = new EndOfTurn((err) => ctx.logger.error({ err }, "end-of-turn work failed"));
    const handler = new RelayNodeHandler({
      identity,
      verifier: attestationVerifier(ctx.config.attestation, metrics),
      redis,
      capabilities,
      subjects: bus.subjects,
      maxInFlight: ctx.config.max_in_flight,
      publish: (subject, response) => bus.publish(subject, SignedRelayResponseSchema, response),
      turnEnd,
      logger: ctx.logger,
      metrics,
    });
    metrics.observe({ inFlight: () => handler.inFlight });
    serveRequests(ctx, bus, identity, handler, metrics, turnEnd);
    ctx.logger.info(
      { address: identity.address, node: ctx.config.node_name, attestation: ctx.config.attestation.mode, capabilities: capabilities.ids() },
      "relay node identity",
    );
    drainInFlight(ctx, handler);
    ctx.grpc.add(RelayNodeAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};

/** The node's signing key, with a warning for each development shortcut in use. */
function loadIdentity(ctx: Ctx): NodeIdentity {
  const { config, logger } = ctx;
  const identity = nodeIdentity(config);
  if (config.dev_key_seed) logger.warn({ address: identity.address }, "using a development node key derived from dev_key_seed");
  if (config.attestation.mode === "dev") logger.warn("attestation mode dev: enclave signatures are trusted without hardware attestation");
  return identity;
}

function attestationVerifier(config: Config["attestation"], metrics: NodeMetrics): AttestationVerifier {
  if (config.mode === "dev") return new DevAttestationVerifier(config.dev_enclave_addresses);
  return new NitroAttestationVerifier({
    rootPem: readFileSync(config.nitro_root_pem_file, "utf8"),
    trustedPcrs: config.nitro_trusted_pcrs,
    onChain: (outcome) => metrics.attestationChains.inc({ outcome }),
  });
}

/** `echo` and `hash` always; `http` when an endpoint is configured. */
function capabilityRegistry(config: Config): CapabilityRegistry {
  const capabilities = new CapabilityRegistry().register("echo", echoCapability).register("hash", hashCapability);
  if (config.http_capability_url)
    capabilities.register("http", httpCapability(config.http_capability_url, config.http_capability_timeout_ms));
  return capabilities;
}

/** This node's request subject; shutdown stops intake first. */
function serveRequests(
  ctx: Ctx,
  bus: Bus,
  identity: NodeIdentity,
  handler: RelayNodeHandler,
  metrics: NodeMetrics,
  turnEnd: EndOfTurn,
): void {
  const subject = bus.subjects.relayNodeRequest(ctx.config.node_name);
  const subscription = serveRelayRequests({
    bus,
    subject,
    nodeAddress: identity.address,
    accept: (request) => handler.accept(request),
    onBatch: (requests) => metrics.requestBatchSize.observe(requests),
    turnEnd,
    logger: ctx.logger,
  });
  ctx.endpoint("requests", subject);
  ctx.onShutdown("relay-requests", () => subscription.drain(), "intake");
}

/** In-flight requests get half the shutdown budget to finish; capabilities still executing then are cancelled. */
function drainInFlight(ctx: Ctx, handler: RelayNodeHandler): void {
  ctx.onShutdown(
    "relay-in-flight",
    async () => {
      await pollUntil(() => handler.inFlight === 0, { timeoutMs: ctx.config.shutdown_timeout_ms / 2, intervalMs: 20, clock: systemClock });
      handler.abort();
    },
    "drain",
  );
}
