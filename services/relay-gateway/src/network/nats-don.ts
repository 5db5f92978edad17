import { type Bus, BusRequestError } from "@gatehouse/bus";
import { RelayRequestAckSchema, RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import type { DonMember } from "../config/config.js";
import type { Don, RelayRequestInit } from "../handlers/handler.js";
import type { MemberStatus } from "./member-status.js";

/**
 * Reaches members over NATS request/reply on `<root>.relay.node.<name>.request`: a send succeeds
 * when the node acknowledges it, fails at once when no node listens, and times out otherwise.
 */
export class NatsDon implements Don {
  constructor(
    private readonly bus: Bus,
    private readonly status: MemberStatus,
  ) {}

  async sendToNode(member: DonMember, request: RelayRequestInit, timeoutMs: number): Promise<void> {
    try {
      const ack = await this.bus.request(
        this.bus.subjects.relayNodeRequest(member.name),
        RelayRequestSchema,
        request,
        RelayRequestAckSchema,
        {
          timeoutMs,
        },
      );
      if (ack.nodeAddress.toLowerCase() !== member.address)
        throw new BusRequestError(`node ${member.name} acknowledged as ${ack.nodeAddress}`);
      this.status.acked(member);
    } catch (err) {
      this.status.failed(member);
      throw err;
    }
  }

  /** Probes every member once; failures only show in the member status. */
  async probe(gatewayId: string, timeoutMs: number): Promise<void> {
    await Promise.allSettled(this.status.members.map((m) => this.sendToNode(m, { probe: true, gatewayId }, timeoutMs)));
  }
}
