import { JetStreamApiError, JetStreamError, type PubAck } from "@nats-io/jetstream";
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription, TimeoutError } from "@nats-io/transport-node";
import { SequenceSlots } from "./sequence-slots.js";

/** How often waiting publishes are checked against their deadline. */
const SWEEP_MS = 100;

/** A durable publish no stream took (no responder on its subject): nothing was stored. */
export class BusNoStreamError extends Error {
  override readonly name = "BusNoStreamError";
}

interface Waiting {
  subject: string;
  resolve(ack: PubAck): void;
  reject(err: Error): void;
  deadline: number;
}

const utf8 = new TextDecoder();

/**
 * A PubAck (or the server's refusal) read from a JetStream publish's reply: a JetStreamApiError
 * with the server's code when it refused (a full stream, a wrong expected stream), as nats.js
 * reports it.
 */
export function parsePubAck(subject: string, data: Uint8Array, status: number | undefined): PubAck {
  if (data.length === 0 && status === 503) throw new BusNoStreamError(`no stream takes ${subject}: not stored`);
  const reply = JSON.parse(utf8.decode(data)) as Partial<PubAck> & { error?: ConstructorParameters<typeof JetStreamApiError>[0] };
  if (reply.error) throw new JetStreamApiError(reply.error);
  if (!reply.stream || typeof reply.seq !== "number") throw new JetStreamError(`invalid PubAck for ${subject}`);
  return { stream: reply.stream, seq: reply.seq, duplicate: reply.duplicate ?? false, ...(reply.domain ? { domain: reply.domain } : {}) };
}

/**
 * JetStream publishes whose PubAcks come back on one wildcard reply subscription, as nats.js's
 * js.publish does through its request mux, without what that costs per publish: an Error built
 * on every success (its request's cancel()), a timer and a Promise.race, a TextDecoder. One sweep
 * every SWEEP_MS fails the publishes past their deadline with TimeoutError (so within timeoutMs +
 * SWEEP_MS); a PubAck arriving after that is ignored, like a late reply to a timed-out request.
 * Waiting publishes sit in SequenceSlots under their reply token's number, not in a Map (see there).
 */
export class PubAcks {
  readonly #prefix = `${createInbox()}.`;
  readonly #waiting = new SequenceSlots<Waiting>();
  #sub: Subscription | undefined;
  #sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly now: () => number = Date.now,
  ) {}

  /** Publishes and resolves with the PubAck once the message is stored. */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<PubAck> {
    this.#sub ??= this.#subscribe();
    return new Promise((resolve, reject) => {
      const id = this.#waiting.add({ subject, resolve, reject, deadline: this.now() + timeoutMs });
      this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS);
      try {
        this.nc.publish(subject, data, { headers, reply: `${this.#prefix}${id.toString(36)}` });
      } catch (err) {
        this.#waiting.take(id);
        reject(err);
      }
    });
  }

  #subscribe(): Subscription {
    const sub = this.nc.subscribe(`${this.#prefix}*`, {
      callback: (err, msg) => {
        if (!err) this.#answer(msg);
      },
    });
    // The connection closed: no PubAck can come any more.
    void sub.closed.then(() => this.#failAll(new JetStreamError("connection closed before the PubAck arrived")));
    return sub;
  }

  #answer(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length);
    const id = Number.parseInt(token, 36);
    // Only a token this sent (parseInt also reads "0a" or "a!" as a number).
    const waiting = id.toString(36) === token ? this.#waiting.take(id) : undefined;
    if (!waiting) return;
    try {
      waiting.resolve(parsePubAck(waiting.subject, msg.data, msg.data.length === 0 ? msg.headers?.code : undefined));
    } catch (err) {
      waiting.reject(err as Error);
    }
  }

  #expire(): void {
    const now = this.now();
    for (const waiting of this.#waiting.takeWhere((w) => w.deadline <= now)) waiting.reject(new TimeoutError());
    if (this.#waiting.size === 0) this.#stopSweep();
  }

  #failAll(err: Error): void {
    for (const waiting of this.#waiting.takeWhere(() => true)) waiting.reject(err);
    this.#stopSweep();
    this.#sub = undefined;
  }

  #stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
