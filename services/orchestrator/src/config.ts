import { natsConfig, opsConfig, redisConfig } from "@gatehouse/service";
import { z } from "zod";

export const configSchema = z.strictObject({
  ...opsConfig({ httpAddr: "127.0.0.1:8087", grpcAddr: "127.0.0.1:9087" }),
  nats: natsConfig,
  redis: redisConfig,
});

export type Config = z.output<typeof configSchema>;
