import { natsConfig, opsConfig } from "@gatehouse/service";
import { z } from "zod";

export const configSchema = z.strictObject({
  ...opsConfig({ httpAddr: "127.0.0.1:8084", grpcAddr: "127.0.0.1:9084" }),
  nats: natsConfig,
});

export type Config = z.output<typeof configSchema>;
