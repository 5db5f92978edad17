import { ShareForwarderAdminService } from "@gatehouse/proto/shareforwarder/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema } from "./config.js";

/** Forwards accepted shares to the pool backend (skeleton: connects to the bus; delivery arrives with its issue). */
export const service: ServiceDefinition<Config> = {
  name: "share-forwarder",
  config: configSchema,
  async start(ctx) {
    await ctx.connectBus();

    ctx.grpc.add(ShareForwarderAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
