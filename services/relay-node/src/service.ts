import { readFileSync } from "node:fs";
import { SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import { RelayNodeAdminService } from "@gatehouse/proto/relaynode/v1";
import { insecureHttpUpstream, pollUntil, type ServiceDefinition, serviceStatus, systemClock } from "@gatehouse/service";
import { DevAttestationVerifier } from "./attestation/dev.js";
import { NitroAttestationVerifier } from "./attestation/nitro.js";
import type { AttestationVerifier } from "./attestation/verifier.js";
import { CapabilityRegistry, echoCapability, hashCapability, httpCapability } from "./capabilities/registry.js";
import { type Config, configSchema } from "./config.js";
import { nodeIdentity } from "./keys.js";
import { RelayNodeHandler } from "./node-handler.js";
import { serveRelayRequests } from "./request-intake.js";

function attestationVerifier(config: Config["attestation"]): AttestationVerifier {
  if (config.mode === "dev") return new DevAttestationVerifier(config.dev_enclave_addresses);
  return new NitroAttestationVerifier({
    rootPem: readFileSync(config.nitro_root_pem_file, "utf8"),
    trustedPcrs: config.nitro_trusted_pcrs,
  });
}

/** A DON member answering relay requests: attests, executes, signs, publishes. */
export const service: ServiceDefinition<Config> = {
  name: "relay-node",
  config: configSchema,
  // The capability's payloads and answers travel over it and the node signs what comes back.
  unsafe: (config) => insecureHttpUpstream("http_capability_url", config.http_capability_url),
  async start(ctx) {
    const { config, logger } = ctx;
    const identity = nodeIdentity(config);
    if (config.dev_key_seed) logger.warn({ address: identity.address }, "using a development node key derived from dev_key_seed");
    if (config.attestation.mode === "dev") logger.warn("attestation mode dev: enclave signatures are trusted without hardware attestation");
    const bus = await ctx.connectBus();
    const redis = ctx.connectRedis();
    const capabilities = new CapabilityRegistry().register("echo", echoCapability).register("hash", hashCapability);
    if (config.http_capability_url)
      capabilities.register("http", httpCapability(config.http_capability_url, config.http_capability_timeout_ms));

    const handler = new RelayNodeHandler({
      identity,
      verifier: attestationVerifier(config.attestation),
      redis,
      capabilities,
      subjects: bus.subjects,
      maxInFlight: config.max_in_flight,
      publish: (subject, response) => bus.publish(subject, SignedRelayResponseSchema, response),
      logger,
      metrics: ctx.metrics,
    });
    const subject = bus.subjects.relayNodeRequest(config.node_name);
    const requestBatchSize = ctx.metrics.histogram("request_batch_items", "Requests per batch received", {
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    });
    const subscription = serveRelayRequests({
      bus,
      subject,
      nodeAddress: identity.address,
      accept: (request) => handler.accept(request),
      onBatch: (requests) => requestBatchSize.observe(requests),
      logger,
    });
    ctx.endpoint("requests", subject);
    logger.info(
      { address: identity.address, node: config.node_name, attestation: config.attestation.mode, capabilities: capabilities.ids() },
      "relay node identity",
    );

    ctx.onShutdown("relay-requests", () => subscription.drain(), "intake");
    ctx.onShutdown(
      "relay-in-flight",
      async () => {
        await pollUntil(() => handler.inFlight === 0, { timeoutMs: config.shutdown_timeout_ms / 2, intervalMs: 20, clock: systemClock });
        handler.abort();
      },
      "drain",
    );
    ctx.grpc.add(RelayNodeAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
