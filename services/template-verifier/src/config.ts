import { natsConfig, opsConfig } from "@gatehouse/service";
import { z } from "zod";

export const configSchema = z.strictObject({
  ...opsConfig({ httpAddr: "127.0.0.1:8083", grpcAddr: "127.0.0.1:9083" }),
  nats: natsConfig,
  /** Milliseconds between VerifierHeartbeat messages (the edge degrades inline mode without them). */
  verifier_heartbeat_interval_ms: z.number().int().min(50).default(15_000),
});

export type Config = z.output<typeof configSchema>;
