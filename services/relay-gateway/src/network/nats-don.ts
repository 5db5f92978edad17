import { randomBytes } from "node:crypto";
import { type Bus, BusRequestError, decode, encode, Header } from "@gatehouse/bus";
import { RelayRequestAckSchema, RelayRequestSchema } from "@gatehouse/proto/relay/v1";
import type { Msg, Subscription } from "@nats-io/transport-node";
import type { DonMember } from "../config/config.js";
import type { Don, RelayRequestInit } from "../handlers/handler.js";
import type { MemberStatus } from "./member-status.js";

interface PendingSend {
  member: DonMember;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Reaches members over NATS request/reply on `<root>.relay.node.<name>.request`: a send succeeds
 * when the node acknowledges it, fails at once when no node listens (the server's 503), and times
 * out otherwise. One request is encoded once for all members, and acknowledgements come back on
 * one inbox subscription handled synchronously, so a fan-out costs N publishes and N small
 * replies, not N client requests each with its own subscription bookkeeping and error objects.
 */
export class NatsDon implements Don {
  readonly #inbox = `_INBOX.${randomBytes(11).toString("hex")}.`;
  readonly #pending = new Map<string, PendingSend>();
  readonly #subscription: Subscription;
  #sequence = 0;

  constructor(
    private readonly bus: Bus,
    private readonly status: MemberStatus,
  ) {
    this.#subscription = bus.nc.subscribe(`${this.#inbox}*`, { callback: (_err, msg) => this.#settle(msg) });
  }

  /** Sends waiting for an acknowledgement. */
  get pendingSends(): number {
    return this.#pending.size;
  }

  fanOut(members: readonly DonMember[], request: RelayRequestInit, timeoutMs: number): Promise<void>[] {
    const { data, headers } = encode(RelayRequestSchema, request);
    return members.map(
      (member) =>
        new Promise<void>((resolve, reject) => {
          const token = String(++this.#sequence);
          const timer = setTimeout(() => this.#fail(token, new BusRequestError(`request to ${member.name} timed out`)), timeoutMs);
          this.#pending.set(token, { member, resolve, reject, timer });
          try {
            this.bus.nc.publish(this.bus.subjects.relayNodeRequest(member.name), data, { headers, reply: this.#inbox + token });
          } catch (err) {
            this.#fail(token, new BusRequestError(`request to ${member.name} failed: ${(err as Error).message}`));
          }
        }),
    );
  }

  /** Probes every member once; failures only show in the member status. */
  async probe(gatewayId: string, timeoutMs: number): Promise<void> {
    await Promise.allSettled(this.fanOut(this.status.members, { probe: true, gatewayId }, timeoutMs));
  }

  /** Stops listening for acknowledgements; sends still waiting fail. */
  close(): void {
    this.#subscription.unsubscribe();
    for (const token of [...this.#pending.keys()]) this.#fail(token, new BusRequestError("relay transport closed"));
  }

  #settle(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length);
    const send = this.#pending.get(token);
    if (!send) return; // Already timed out.
    const { member } = send;
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      this.#fail(token, new BusRequestError(`no node listens for ${member.name}`));
      return;
    }
    const error = msg.headers?.get(Header.error);
    if (error) {
      this.#fail(token, new BusRequestError(`${member.name}: ${error}`));
      return;
    }
    let nodeAddress: string;
    try {
      nodeAddress = decode(RelayRequestAckSchema, msg.data, msg.headers).nodeAddress.toLowerCase();
    } catch (err) {
      this.#fail(token, new BusRequestError(`${member.name} answered with an unreadable acknowledgement: ${(err as Error).message}`));
      return;
    }
    if (nodeAddress !== member.address) {
      this.#fail(token, new BusRequestError(`node ${member.name} acknowledged as ${nodeAddress}`));
      return;
    }
    this.#pending.delete(token);
    clearTimeout(send.timer);
    this.status.acked(member);
    send.resolve();
  }

  #fail(token: string, err: Error): void {
    const send = this.#pending.get(token);
    if (!send) return;
    this.#pending.delete(token);
    clearTimeout(send.timer);
    this.status.failed(send.member);
    send.reject(err);
  }
}
