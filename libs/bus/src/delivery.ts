import type { JsMsg } from "@nats-io/jetstream";
import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import { Header } from "./headers.js";
import { receivedHeader } from "./received-headers.js";

/** A delivery acked, naked or termed a second time: a handler bug, since each delivery settles once. */
export class DeliverySettledError extends Error {
  override readonly name = "DeliverySettledError";
  constructor(readonly seq: number) {
    super(`delivery ${seq} already settled`);
  }
}

/** What a handler learns about the message besides its payload. */
export interface MessageContext {
  subject: string;
  headers: MsgHdrs | undefined;
  traceparent: string | undefined;
  msgId: string | undefined;
}

/** One JetStream delivery, settled once: ack, nak or term. */
export interface Delivery extends MessageContext {
  seq: number;
  /** 0 on first delivery. */
  redeliveryCount: number;
  readonly settled: boolean;
  /** Acknowledges and waits for the server to confirm it. */
  ack(): Promise<void>;
  /** Asks for redelivery after `delayMs`. */
  nak(delayMs?: number): void;
  /** Never redeliver (poison message). Log the reason yourself: nats-server 2.9 takes none. */
  term(): void;
  /** Extends the ack deadline while work is in progress. */
  working(): void;
}

/**
 * The context of a core NATS or JetStream message, each part read from the message when asked for:
 * most handlers never ask, nats.js decodes the subject and all headers on first access, and
 * `traceparent` and `msgId` are read from the header bytes alone (`receivedHeader`).
 */
export function contextOf(msg: Msg | JsMsg): MessageContext {
  return new ReceivedContext(msg);
}

class ReceivedContext<M extends Msg | JsMsg> implements MessageContext {
  constructor(protected readonly msg: M) {}

  get subject(): string {
    return this.msg.subject;
  }

  get headers(): MsgHdrs | undefined {
    return this.msg.headers;
  }

  get traceparent(): string | undefined {
    return receivedHeader(this.msg, Header.traceparent);
  }

  get msgId(): string | undefined {
    return receivedHeader(this.msg, Header.msgId);
  }
}

/** A JetStream message as a Delivery: settling it twice throws DeliverySettledError. */
export class JsDelivery extends ReceivedContext<JsMsg> implements Delivery {
  #settled = false;
  readonly seq: number;
  readonly redeliveryCount: number;

  constructor(m: JsMsg) {
    super(m);
    this.seq = m.seq;
    this.redeliveryCount = Math.max(0, m.info.deliveryCount - 1);
  }

  get settled(): boolean {
    return this.#settled;
  }

  #settle(): void {
    if (this.#settled) throw new DeliverySettledError(this.seq);
    this.#settled = true;
  }

  async ack(): Promise<void> {
    this.#settle();
    await this.msg.ackAck();
  }

  nak(delayMs?: number): void {
    this.#settle();
    this.msg.nak(delayMs);
  }

  term(): void {
    this.#settle();
    this.msg.term();
  }

  working(): void {
    this.msg.working();
  }
}
