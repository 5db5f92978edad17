import { RelayNodeAdminService } from "@gatehouse/proto/relaynode/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema } from "./config.js";

/** A DON member answering relay requests (skeleton: connects to the bus and Redis). */
export const service: ServiceDefinition<Config> = {
  name: "relay-node",
  config: configSchema,
  async start(ctx) {
    await ctx.connectBus();
    ctx.connectRedis();
    ctx.grpc.add(RelayNodeAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
