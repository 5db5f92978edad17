import { randomBytes } from "node:crypto";
import { type Bus, BusRequestError, decodeReceived, encode, Header, receivedHeader } from "@gatehouse/bus";
import { type RelayRequestAck, RelayRequestAckSchema, RelayRequestBatchSchema } from "@gatehouse/proto/relay/v1";
import { MAX_REQUEST_BATCH, MAX_REQUEST_BATCH_PARAMS_BYTES } from "@gatehouse/relay";
import type { Msg, Subscription } from "@nats-io/transport-node";
import type { DonMember } from "../config/config.js";
import type { Don, RelayRequestInit } from "../handlers/handler.js";
import type { MemberStatus } from "./member-status.js";

interface Send {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** One request waiting for the end of the turn, with a send per member it goes to. */
interface Queued {
  request: RelayRequestInit;
  members: readonly DonMember[];
  sends: Send[];
}

/** One batch sent to one member, waiting for its acknowledgement. */
interface InFlight {
  member: DonMember;
  sends: Send[];
  timer: NodeJS.Timeout;
}

/**
 * Reaches members over NATS request/reply on `<root>.relay.node.<name>.request`. The requests
 * fanned out in one turn of the event loop go to each member as one RelayRequestBatch (bounded in
 * count and bytes), encoded once when members get the same requests; each member acknowledges a
 * batch with one reply on this transport's inbox, naming any request it refused. A send succeeds
 * when its request is acknowledged, fails at once when no node listens (the server's 503) or the
 * node refuses it, and fails when `timeoutMs` passes first.
 */
export class NatsDon implements Don {
  readonly #inbox = `_INBOX.${randomBytes(11).toString("hex")}.`;
  /** Requests of this turn by their send timeout (a batch has one timeout). */
  #queued = new Map<number, Queued[]>();
  #scheduled = false;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #subscription: Subscription;
  #sequence = 0;

  constructor(
    private readonly bus: Bus,
    private readonly status: MemberStatus,
  ) {
    this.#subscription = bus.nc.subscribe(`${this.#inbox}*`, { callback: (_err, msg) => this.#settle(msg) });
  }

  fanOut(members: readonly DonMember[], request: RelayRequestInit, timeoutMs: number): Promise<void>[] {
    const sends: Send[] = [];
    const promises = members.map(
      () =>
        new Promise<void>((resolve, reject) => {
          sends.push({ resolve, reject });
        }),
    );
    const queue = this.#queued.get(timeoutMs);
    if (queue) queue.push({ request, members, sends });
    else this.#queued.set(timeoutMs, [{ request, members, sends }]);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    return promises;
  }

  /** Probes every member once; failures only show in the member status. */
  async probe(gatewayId: string, timeoutMs: number): Promise<void> {
    await Promise.allSettled(this.fanOut(this.status.members, { probe: true, gatewayId }, timeoutMs));
  }

  /** Stops listening for acknowledgements; sends still waiting fail. */
  close(): void {
    this.#subscription.unsubscribe();
    for (const token of [...this.#inFlight.keys()]) this.#fail(token, new BusRequestError("relay transport closed"));
  }

  #flush(): void {
    this.#scheduled = false;
    const queued = this.#queued;
    this.#queued = new Map();
    for (const [timeoutMs, requests] of queued) {
      // The requests each member gets, in order; members with the same list share one encoding.
      const perMember = new Map<string, { member: DonMember; items: Array<{ index: number; send: Send }> }>();
      requests.forEach((queuedRequest, index) => {
        queuedRequest.members.forEach((member, m) => {
          const send = queuedRequest.sends[m] as Send;
          const entry = perMember.get(member.name);
          if (entry) entry.items.push({ index, send });
          else perMember.set(member.name, { member, items: [{ index, send }] });
        });
      });
      const encodings = new Map<string, ReturnType<typeof encode>>();
      for (const { member, items } of perMember.values()) {
        for (const chunk of chunks(items, requests)) {
          const key = chunk.map((item) => item.index).join(",");
          let encoded = encodings.get(key);
          if (!encoded) {
            encoded = encode(RelayRequestBatchSchema, { requests: chunk.map((item) => (requests[item.index] as Queued).request) });
            encodings.set(key, encoded);
          }
          this.#send(
            member,
            encoded,
            chunk.map((item) => item.send),
            timeoutMs,
          );
        }
      }
    }
  }

  #send(member: DonMember, encoded: ReturnType<typeof encode>, sends: Send[], timeoutMs: number): void {
    const token = String(++this.#sequence);
    const timer = setTimeout(() => this.#fail(token, new BusRequestError(`request to ${member.name} timed out`)), timeoutMs);
    this.#inFlight.set(token, { member, sends, timer });
    try {
      this.bus.nc.publish(this.bus.subjects.relayNodeRequest(member.name), encoded.data, {
        headers: encoded.headers,
        reply: this.#inbox + token,
      });
    } catch (err) {
      this.#fail(token, new BusRequestError(`request to ${member.name} failed: ${(err as Error).message}`));
    }
  }

  #settle(msg: Msg): void {
    const token = msg.subject.slice(this.#inbox.length);
    const batch = this.#inFlight.get(token);
    if (!batch) return; // Already timed out.
    const { member } = batch;
    if (msg.data.length === 0 && msg.headers?.code === 503) {
      this.#fail(token, new BusRequestError(`no node listens for ${member.name}`));
      return;
    }
    const error = receivedHeader(msg, Header.error);
    if (error) {
      this.#fail(token, new BusRequestError(`${member.name}: ${error}`));
      return;
    }
    let ack: RelayRequestAck;
    try {
      ack = decodeReceived(RelayRequestAckSchema, msg);
    } catch (err) {
      this.#fail(token, new BusRequestError(`${member.name} answered with an unreadable acknowledgement: ${(err as Error).message}`));
      return;
    }
    if (ack.nodeAddress.toLowerCase() !== member.address) {
      this.#fail(token, new BusRequestError(`node ${member.name} acknowledged as ${ack.nodeAddress}`));
      return;
    }
    this.#inFlight.delete(token);
    clearTimeout(batch.timer);
    this.status.acked(member);
    const refused = new Map(ack.refused.map((r) => [r.index, r.reason]));
    if (refused.size > 0) this.status.failed(member, refused.size);
    batch.sends.forEach((send, index) => {
      const reason = refused.get(index);
      if (reason === undefined) send.resolve();
      else send.reject(new BusRequestError(`${member.name} refused the request: ${reason}`));
    });
  }

  #fail(token: string, err: Error): void {
    const batch = this.#inFlight.get(token);
    if (!batch) return;
    this.#inFlight.delete(token);
    clearTimeout(batch.timer);
    this.status.failed(batch.member, batch.sends.length);
    for (const send of batch.sends) send.reject(err);
  }
}

/** Splits a member's requests into batches within the count and params-size bounds (a larger request goes alone). */
function* chunks<T extends { index: number }>(items: T[], requests: Queued[]): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = (requests[item.index] as Queued).request.params?.length ?? 0;
    if (chunk.length > 0 && (chunk.length >= MAX_REQUEST_BATCH || bytes + size > MAX_REQUEST_BATCH_PARAMS_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
