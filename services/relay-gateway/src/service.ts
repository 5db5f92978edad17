import { RelayGatewayAdminService } from "@gatehouse/proto/relaygateway/v1";
import { type ServiceDefinition, serviceStatus } from "@gatehouse/service";
import { type Config, configSchema } from "./config.js";

/** JSON-RPC endpoint for enclaves (skeleton: connects to the bus and Redis; intake arrives with its issue). */
export const service: ServiceDefinition<Config> = {
  name: "relay-gateway",
  config: configSchema,
  async start(ctx) {
    await ctx.connectBus();
    ctx.connectRedis();
    ctx.grpc.add(RelayGatewayAdminService, {
      getStatus: async () => ({ status: await serviceStatus(ctx) }),
    });
  },
};
