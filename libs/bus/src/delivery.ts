import type { JsMsg } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { Header } from "./headers.js";

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
 * The context of a core NATS or JetStream message. `traceparent` and `msgId` are read from its headers
 * when asked for: most handlers never ask, and each header lookup in nats.js allocates two arrays.
 */
export function contextOf(msg: { subject: string; headers?: MsgHdrs | undefined }): MessageContext {
  return new HeaderContext(msg.subject, msg.headers);
}

class HeaderContext implements MessageContext {
  constructor(
    readonly subject: string,
    readonly headers: MsgHdrs | undefined,
  ) {}

  get traceparent(): string | undefined {
    return this.headers?.get(Header.traceparent) || undefined;
  }

  get msgId(): string | undefined {
    return this.headers?.get(Header.msgId) || undefined;
  }
}

/** A JetStream message as a Delivery: settling it twice throws DeliverySettledError. */
export class JsDelivery implements Delivery {
  #settled = false;
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  readonly traceparent: string | undefined;
  readonly msgId: string | undefined;
  readonly seq: number;
  readonly redeliveryCount: number;

  constructor(private readonly m: JsMsg) {
    const context = contextOf(m);
    this.subject = context.subject;
    this.headers = context.headers;
    this.traceparent = context.traceparent;
    this.msgId = context.msgId;
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
    await this.m.ackAck();
  }

  nak(delayMs?: number): void {
    this.#settle();
    this.m.nak(delayMs);
  }

  term(): void {
    this.#settle();
    this.m.term();
  }

  working(): void {
    this.m.working();
  }
}
