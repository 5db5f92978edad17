import type { VerifierHeartbeat } from "@gatehouse/proto/mining/v1";
import type { Clock } from "@gatehouse/service";

export interface VerifierLinkSnapshot {
  seen: boolean;
  verifierInstanceId: string;
  lastSequence: bigint;
  lastHeartbeatUnixMs: bigint;
  heartbeatsReceived: bigint;
}

/** The edge's view of the template verifier, built from its heartbeats. */
export class VerifierLink {
  #last: VerifierHeartbeat | undefined;
  #receivedAt = 0;
  #count = 0n;

  constructor(private readonly clock: Clock) {}

  record(heartbeat: VerifierHeartbeat): void {
    this.#last = heartbeat;
    this.#receivedAt = this.clock.now();
    this.#count += 1n;
  }

  /** Milliseconds since the last heartbeat, or undefined before the first. */
  ageMs(): number | undefined {
    return this.#last ? this.clock.now() - this.#receivedAt : undefined;
  }

  snapshot(): VerifierLinkSnapshot {
    return {
      seen: this.#last !== undefined,
      verifierInstanceId: this.#last?.verifierInstanceId ?? "",
      lastSequence: this.#last?.sequence ?? 0n,
      lastHeartbeatUnixMs: BigInt(this.#receivedAt),
      heartbeatsReceived: this.#count,
    };
  }
}
