import type { VerifierHeartbeat } from "@gatehouse/proto/mining/v1";

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

  record(heartbeat: VerifierHeartbeat, now = Date.now()): void {
    this.#last = heartbeat;
    this.#receivedAt = now;
    this.#count += 1n;
  }

  /** Milliseconds since the last heartbeat, or undefined before the first. */
  ageMs(now = Date.now()): number | undefined {
    return this.#last ? now - this.#receivedAt : undefined;
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
