import { MempoolView } from "@gatehouse/proto/mining/v1";
import { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema } from "./config.js";
import { HeartbeatPublisher } from "./heartbeat.js";

/**
 * Checks block templates against policy. Skeleton: publishes its heartbeat, honestly reporting
 * that it has no template source and no policy yet (ready = false).
 */
export const service: ServiceDefinition<Config> = {
  name: "template-verifier",
  config: configSchema,
  async start(ctx) {
    const bus = await ctx.connectBus();
    const beats = ctx.metrics.counter("heartbeats_sent_total", "VerifierHeartbeat messages published");
    const heartbeat = new HeartbeatPublisher(bus, ctx.config.verifier_heartbeat_interval_ms, () => {
      beats.inc();
      return {
        verifierInstanceId: ctx.instanceId,
        ready: false,
        sourceHealthy: false,
        mempoolView: MempoolView.MEMPOOL_VIEW_UNSPECIFIED,
      };
    });
    heartbeat.start();
    ctx.onShutdown("heartbeat", () => heartbeat.stop(), "intake");

    ctx.grpc.add(TemplateVerifierAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
