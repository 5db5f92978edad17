import type { Health } from "@gatehouse/proto/grpc/health/v1";
import { HealthCheckResponse_ServingStatus as Status } from "@gatehouse/proto/grpc/health/v1";
import { GrpcError, GrpcStatus, type ServiceImpl } from "./types.js";

/**
 * grpc.health.v1: "" is the whole server; each registered service has its own status.
 * Check answers NOT_FOUND for an unknown service; Watch streams the status and each change.
 */
export class HealthService {
  readonly #statuses = new Map<string, Status>([["", Status.NOT_SERVING]]);
  readonly #watchers = new Set<() => void>();

  register(service: string): void {
    this.#statuses.set(service, Status.NOT_SERVING);
  }

  setServing(serving: boolean): void {
    const status = serving ? Status.SERVING : Status.NOT_SERVING;
    let changed = false;
    for (const [service, current] of this.#statuses) {
      if (current !== status) {
        this.#statuses.set(service, status);
        changed = true;
      }
    }
    if (changed) for (const notify of this.#watchers) notify();
  }

  get implementation(): ServiceImpl<typeof Health> {
    return {
      check: ({ service }) => {
        const status = this.#statuses.get(service);
        if (status === undefined) throw new GrpcError(GrpcStatus.NOT_FOUND, `unknown service "${service}"`);
        return { status };
      },
      watch: async ({ service }, call) => {
        let last: Status | undefined;
        const push = () => {
          const status = this.#statuses.get(service) ?? Status.SERVICE_UNKNOWN;
          if (status !== last) call.send({ status });
          last = status;
        };
        push();
        this.#watchers.add(push);
        try {
          await new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve(), { once: true }));
        } finally {
          this.#watchers.delete(push);
        }
      },
    };
  }
}
