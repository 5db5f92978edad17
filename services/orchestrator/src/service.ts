import { OrchestratorAdminService } from "@gatehouse/proto/orchestrator/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema } from "./config.js";

/** Durable on-chain workflows (skeleton: connects to the bus and Redis). */
export const service: ServiceDefinition<Config> = {
  name: "orchestrator",
  config: configSchema,
  async start(ctx) {
    await ctx.connectBus();
    ctx.connectRedis();
    ctx.grpc.add(OrchestratorAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
