import { GatewayReason } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import type { IpConnectionCounts } from "../admission/ip-connections.js";
import type { SharedConnectionCap } from "../redis/connection-cap.js";
import type { ConnectionRateLimit } from "../redis/connection-rate.js";

export type Admission =
  | { admitted: true; release(): void }
  | { admitted: false; reason: GatewayReason.connection_rate_limited | GatewayReason.ip_connection_limit_exceeded; detail: string };

export interface AdmissionDeps {
  rate: ConnectionRateLimit;
  /** This replica's open connections per address (holds without Redis). */
  local: IpConnectionCounts;
  /** The same count across replicas. */
  shared: SharedConnectionCap;
  logger: Logger;
}

/**
 * Who may open a connection: the new-connection rate per address, then the cap on open
 * connections per address, first on this replica, then across replicas. Redis is an abuse brake
 * here, not a gate: when it cannot be reached the connection is admitted (the local cap still
 * holds) and the next renewal restates the true counts.
 */
export class ConnectionAdmission {
  #renewal: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AdmissionDeps) {}

  async admit(address: string): Promise<Admission> {
    const { rate, local, shared, logger } = this.deps;
    const allowed = await rate.allow(address).catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, "connection rate limit unavailable");
      return true;
    });
    if (!allowed)
      return { admitted: false, reason: GatewayReason.connection_rate_limited, detail: "too many new connections from this address" };
    const perIpLimit = `${local.perAddress} open connections from this address`;
    if (!local.tryAdd(address))
      return { admitted: false, reason: GatewayReason.ip_connection_limit_exceeded, detail: `${perIpLimit} on this replica` };
    const held = await shared.acquire(address).catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, "shared per-IP connection count unavailable; admitting on the local count");
      return undefined;
    });
    if (held === false) {
      local.remove(address);
      return { admitted: false, reason: GatewayReason.ip_connection_limit_exceeded, detail: `${perIpLimit} across replicas` };
    }
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        local.remove(address);
        if (held) void shared.release(address).catch(() => undefined);
      },
    };
  }

  /** Renews this replica's shared counts every lease/3 until stopped. */
  start(): void {
    const { local, shared, logger } = this.deps;
    this.#renewal = setInterval(() => {
      shared
        .renew(local.entries())
        .catch((err: unknown) => logger.warn({ err: (err as Error).message }, "per-IP connection lease renewal failed"));
    }, shared.leaseMs / 3);
    this.#renewal.unref();
  }

  stop(): void {
    clearInterval(this.#renewal);
  }
}
