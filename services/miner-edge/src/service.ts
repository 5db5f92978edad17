import { MinerEdgeAdminService } from "@gatehouse/proto/mineredge/v1";
import { VerifierHeartbeatSchema } from "@gatehouse/proto/mining/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema, unsafeSettings } from "./config.js";
import { VerifierLink } from "./verifier-link.js";

/**
 * The SV2 server miners connect to. Skeleton: connects to the bus and Redis and follows the
 * verifier's heartbeat; it does not listen for miners yet.
 */
export const service: ServiceDefinition<Config> = {
  name: "miner-edge",
  config: configSchema,
  unsafe: unsafeSettings,
  async start(ctx) {
    const bus = await ctx.connectBus();
    ctx.connectRedis();

    const link = new VerifierLink();
    const received = ctx.metrics.counter("verifier_heartbeats_total", "VerifierHeartbeat messages received");
    ctx.metrics.gauge("verifier_heartbeat_age_seconds", "Seconds since the last verifier heartbeat (-1 before the first)", [], function () {
      const age = link.ageMs();
      this.set(age === undefined ? -1 : age / 1000);
    });
    const subscription = bus.subscribe(bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, (heartbeat) => {
      link.record(heartbeat);
      received.inc();
    });
    ctx.onShutdown("heartbeat-subscription", () => subscription.drain(), "intake");

    ctx.grpc.add(MinerEdgeAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx), verifier: link.snapshot() }),
    });
  },
};
