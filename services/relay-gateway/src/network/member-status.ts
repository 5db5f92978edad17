import type { Clock } from "@gatehouse/service";
import type { DonMember } from "../config/config.js";

interface Status {
  lastAck: number;
  sendFailures: number;
}

/** Which members acknowledged recently: what /readyz and the admin API report. */
export class MemberStatus {
  readonly #status = new Map<string, Status>();

  constructor(
    readonly members: readonly DonMember[],
    private readonly freshMs: number,
    private readonly clock: Clock,
  ) {
    for (const m of members) this.#status.set(m.address, { lastAck: 0, sendFailures: 0 });
  }

  acked(member: DonMember): void {
    const s = this.#status.get(member.address);
    if (s) s.lastAck = this.clock.now();
  }

  /** Counts `sends` requests that did not reach the member. */
  failed(member: DonMember, sends = 1): void {
    const s = this.#status.get(member.address);
    if (s) s.sendFailures += sends;
  }

  lastAck(member: DonMember): number {
    return this.#status.get(member.address)?.lastAck ?? 0;
  }

  sendFailures(member: DonMember): number {
    return this.#status.get(member.address)?.sendFailures ?? 0;
  }

  reachable(member: DonMember): boolean {
    const last = this.lastAck(member);
    return last > 0 && this.clock.now() - last <= this.freshMs;
  }

  reachableCount(): number {
    return this.members.filter((m) => this.reachable(m)).length;
  }

  /** /readyz's DON check: ready while at least `quorum` members are reachable. */
  quorumReadiness(quorum: number): { ok: boolean; reason?: string } {
    const reachable = this.reachableCount();
    return reachable >= quorum
      ? { ok: true }
      : { ok: false, reason: `${reachable} of ${this.members.length} members reachable, quorum needs ${quorum}` };
  }
}
