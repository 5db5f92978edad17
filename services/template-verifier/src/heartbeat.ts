import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Bus } from "@gatehouse/bus";
import { type VerifierHeartbeat, VerifierHeartbeatSchema } from "@gatehouse/proto/mining/v1";
import type { Clock } from "@gatehouse/service";

export type HeartbeatState = Omit<MessageInitShape<typeof VerifierHeartbeatSchema>, "sequence" | "sentAtUnixMs" | "$typeName">;

/**
 * Publishes a VerifierHeartbeat every `intervalMs` with the verifier's current state, so the
 * miner edge can tell a live verifier from a silent one.
 */
export class HeartbeatPublisher {
  #sequence = 0n;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly intervalMs: number,
    private readonly state: () => HeartbeatState,
    private readonly clock: Clock,
  ) {}

  /** Publishes one heartbeat now and returns it. */
  beat(): VerifierHeartbeat {
    this.#sequence += 1n;
    const heartbeat = {
      ...this.state(),
      sequence: this.#sequence,
      sentAtUnixMs: BigInt(this.clock.now()),
      intervalMs: BigInt(this.intervalMs),
    };
    this.bus.publish(this.bus.subjects.verifierHeartbeat, VerifierHeartbeatSchema, heartbeat);
    return heartbeat as VerifierHeartbeat;
  }

  start(): void {
    this.beat();
    this.#timer = setInterval(() => this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** What the verifier knows of itself when a heartbeat leaves. */
export interface VerifierState {
  instanceId: string;
  /** Hash of the policy in force; undefined while none is loaded. */
  policyHash: string | undefined;
  sourcesHealthy: boolean;
  busHealthy: boolean;
  lastTemplateId: bigint;
  mempoolView: HeartbeatState["mempoolView"];
}

/** Ready only with a policy loaded, every template source answering and the bus connected. */
export function heartbeatState(s: VerifierState): HeartbeatState {
  return {
    verifierInstanceId: s.instanceId,
    ready: s.policyHash !== undefined && s.sourcesHealthy && s.busHealthy,
    policyHash: s.policyHash ?? "",
    lastTemplateId: s.lastTemplateId,
    sourceHealthy: s.sourcesHealthy,
    mempoolView: s.mempoolView,
  };
}
