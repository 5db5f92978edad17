import { EdgeEventType, GatewayMode } from "@gatehouse/proto/mining/v1";
import type { Logger } from "@gatehouse/service";
import type { EventLog } from "../ops/event-log.js";
import type { EffectiveMode } from "../templates/book.js";

/** Inline mode degrades to observe while the verifier is silent, and recovers when it speaks again. */
export class ModeState {
  #degradedSince: number | undefined;
  unenforcedJobs = 0;

  constructor(
    readonly configured: EffectiveMode,
    private readonly events: EventLog,
    private readonly logger: Logger,
  ) {}

  get effective(): EffectiveMode {
    return this.#degradedSince === undefined ? this.configured : "observe";
  }

  get degraded(): boolean {
    return this.#degradedSince !== undefined;
  }

  /** Re-evaluates from the heartbeat age; returns "degraded"/"recovered" on a transition. */
  check(heartbeatAgeMs: number | undefined, limitMs: number, now: number): "degraded" | "recovered" | undefined {
    if (this.configured !== "inline") return undefined;
    const silent = heartbeatAgeMs === undefined || heartbeatAgeMs > limitMs;
    if (silent && this.#degradedSince === undefined) {
      this.#degradedSince = now;
      this.unenforcedJobs = 0;
      this.#transition("degraded", 0);
      return "degraded";
    }
    if (!silent && this.#degradedSince !== undefined) {
      const duration = now - this.#degradedSince;
      this.#degradedSince = undefined;
      this.#transition("recovered", duration);
      return "recovered";
    }
    return undefined;
  }

  #transition(direction: "degraded" | "recovered", durationMs: number): void {
    const [from, to] = direction === "degraded" ? [GatewayMode.inline, GatewayMode.observe] : [GatewayMode.observe, GatewayMode.inline];
    this.logger.warn({ direction, durationMs, unenforcedJobs: this.unenforcedJobs }, `inline mode ${direction}`);
    this.events.record({
      type: EdgeEventType.mode_transition,
      mode: to,
      detail: {
        case: "modeTransition",
        value: { from, to, direction, degradedDurationMs: BigInt(durationMs), unenforcedJobs: BigInt(this.unenforcedJobs) },
      },
    });
  }
}
