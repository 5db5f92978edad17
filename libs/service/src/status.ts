import { create } from "@bufbuild/protobuf";
import { type ServiceStatus, ServiceStatusSchema } from "@gatehouse/proto/ops/v1";
import type { OpsConfig } from "./config/schema.js";
import type { ServiceContext } from "./run.js";

/** The `gatehouse.ops.v1.ServiceStatus` every admin API's GetStatus reports. */
export async function serviceStatus<C extends OpsConfig>(ctx: ServiceContext<C>): Promise<ServiceStatus> {
  const report = await ctx.readiness.evaluate();
  return create(ServiceStatusSchema, {
    service: ctx.name,
    version: ctx.version,
    instanceId: ctx.instanceId,
    startedAtUnixMs: BigInt(ctx.startedAt),
    ready: report.ready,
    checks: report.checks,
    shuttingDown: ctx.readiness.stopping,
  });
}
