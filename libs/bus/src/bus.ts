import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { type JetStreamClient, type JetStreamManager, type JsMsg, jetstream, jetstreamManager, type PubAck } from "@nats-io/jetstream";
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { BusDecodeError, decodeReceived, type Encoded, type EncodeOptions, encode, headersOfType } from "./codec.js";
import { contextOf, type Delivery, JsDelivery, type MessageContext } from "./delivery.js";
import { BusHeaders, Header } from "./headers.js";
import { InOrder } from "./in-order.js";
import { type BusLogger, silentLogger } from "./logger.js";
import { createMessage } from "./messages.js";
import { PubAcks } from "./pub-acks.js";
import { receivedHeader } from "./received-headers.js";
import { DEFAULT_SUBJECT_ROOT, type Subjects, subjects } from "./subjects.js";
import { TaskWindow } from "./task-window.js";
import { messageToBinary } from "./to-binary.js";

export interface BusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server (service and instance). */
  name: string;
  subjectRoot?: string;
  logger?: BusLogger;
  user?: string;
  pass?: string;
  token?: string;
  /** Keep retrying the first connection instead of failing (services: true; tools: false). */
  waitOnFirstConnect?: boolean;
  /** Milliseconds between reconnect attempts. */
  reconnectTimeWaitMs?: number;
}

export type MessageHandler<D extends DescMessage> = (message: MessageShape<D>, context: MessageContext) => void | Promise<void>;

export interface BusSubscription {
  /** Stops delivery after the messages already received are handled. */
  drain(): Promise<void>;
  unsubscribe(): void;
  /** Resolves when the subscription has ended. */
  readonly closed: Promise<void>;
}

/** How a durable publish is checked: the stream expected to store it, and how long to wait for its PubAck (5 s). */
export interface DurableOptions {
  expectStream?: string;
  timeoutMs?: number;
}

export type DeliveryHandler<D extends DescMessage> = (message: MessageShape<D>, delivery: Delivery) => void | Promise<void>;

export interface ConsumeOptions<D extends DescMessage> {
  stream: string;
  consumer: string;
  schema: D;
  /**
   * Called once per delivery. Returning without settling acknowledges (awaiting the server's
   * confirmation); throwing without settling naks with backoff. Handlers must be idempotent:
   * a lost acknowledgement means a redelivery.
   */
  handler: DeliveryHandler<D>;
  /** Deliveries handled at once. */
  concurrency?: number;
  /** Redelivery delay after a handler error, by redelivery count. */
  retryDelayMs?: (redeliveryCount: number) => number;
  /**
   * Deliveries pulled ahead of the handlers (nats.js's `max_messages`); default twice the
   * concurrency, at least 16. Each one waits in this process, its ack wait running, while other
   * replicas of the consumer may be idle: a consumer whose deliveries must not wait says 1.
   */
  prefetch?: number;
  /**
   * While a handler runs, its delivery is reported in progress (`+WPI`) this often. The consumer's
   * ack wait then bounds how long a dead process holds a delivery, not how long a handler may take.
   */
  workingEveryMs?: number;
}

export interface BusConsumer {
  /** Stops pulling, waits for in-flight handlers. */
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/** An error answer to a request, or no answer. */
export class BusRequestError extends Error {
  override readonly name = "BusRequestError";
}

/** A durable publish refused at once because the bus is down: nothing was stored. */
export class BusUnavailableError extends Error {
  override readonly name = "BusUnavailableError";
}

// Not libs/service's backoffDelayMs: libs/service depends on this package, so this package cannot
// import it. Without jitter, as before: a handler that wants jitter passes its own retryDelayMs.
/** nats.js's own default for a JetStream publish. */
const DURABLE_TIMEOUT_MS = 5_000;

/**
 * How long a pull consumer's requests live (nats.js `expires`; its idle heartbeat is half). After a
 * reconnect nats.js asks for the consumer's info before pulling again and, each time the ask fails
 * (as it does while a killed node's streams elect new leaders), waits a jittered `expires`: 15–45 s
 * at nats.js's 30 s default, during which no message is delivered. At 5 s the wait is 2.5–7.5 s,
 * for one pull request per 5 s from an idle consumer.
 */
export const PULL_EXPIRES_MS = 5_000;

const defaultRetryDelay = (redeliveries: number) => Math.min(30_000, 250 * 2 ** Math.min(redeliveries, 7));

/**
 * A service's connection to the bus: typed publish/subscribe keyed by protobuf schema,
 * request/reply, JetStream publish and durable consumption.
 */
export class Bus {
  readonly subjects: Subjects;
  readonly js: JetStreamClient;
  #jsm: Promise<JetStreamManager> | undefined;
  #connected = true;
  #lastStatus = "connected";
  readonly #log: BusLogger;
  readonly #pubAcks: PubAcks;

  private constructor(
    readonly nc: NatsConnection,
    options: BusOptions,
  ) {
    this.subjects = subjects(options.subjectRoot ?? DEFAULT_SUBJECT_ROOT);
    this.js = jetstream(nc);
    this.#pubAcks = new PubAcks(nc);
    this.#log = options.logger ?? silentLogger;
    void this.#watchStatus();
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const nc = await connect({
      servers: options.servers,
      name: options.name,
      user: options.user,
      pass: options.pass,
      token: options.token,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
      // nats.js otherwise builds two Error objects per request and JetStream publish (for their
      // stack traces, kept in case it times out); a profile of the share forwarder shows them
      // among its top frames. A timeout still fails as TimeoutError, without the caller's stack.
      noAsyncTraces: true,
    });
    return new Bus(nc, options);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case "disconnect":
          this.#connected = false;
          this.#lastStatus = "disconnected";
          this.#log.warn({ server: status.server }, "bus disconnected");
          break;
        case "reconnect":
          this.#connected = true;
          this.#lastStatus = "connected";
          this.#log.info({ server: status.server }, "bus reconnected");
          break;
        case "error":
          this.#log.error({ err: status.error }, "bus error");
          break;
        case "close":
          this.#connected = false;
          this.#lastStatus = "closed";
          break;
        default:
          break;
      }
    }
  }

  /** Whether the connection is up; `reason` says why not. */
  health(): { ok: boolean; reason?: string } {
    if (this.nc.isClosed()) return { ok: false, reason: "connection closed" };
    if (this.nc.isDraining()) return { ok: false, reason: "draining" };
    return this.#connected ? { ok: true } : { ok: false, reason: this.#lastStatus };
  }

  /** The JetStream manager, created on first use. */
  jsm(): Promise<JetStreamManager> {
    this.#jsm ??= jetstreamManager(this.nc);
    return this.#jsm;
  }

  /** Core NATS publish: fire and forget. */
  publish<D extends DescMessage>(subject: string, schema: D, message: MessageInitShape<D>, options?: EncodeOptions): void {
    if (options?.msgId || options?.traceparent) this.publishEncoded(subject, encode(schema, message, options));
    else this.nc.publish(subject, messageToBinary(schema, createMessage(schema, message)), { headers: headersOfType(schema) });
  }

  /** `publish` of a message already serialized (codec's `withHeaders`), e.g. bytes also embedded elsewhere. */
  publishEncoded(subject: string, { data, headers }: Encoded): void {
    this.nc.publish(subject, data, { headers });
  }

  /**
   * JetStream publish: resolves with the server's PubAck once the message is stored (PubAcks:
   * rejects with JetStreamApiError when the server refuses it, BusNoStreamError when no stream
   * takes the subject, TimeoutError after `timeoutMs`, 5 s by default). Refused at once
   * (BusUnavailableError) while disconnected: a publish held through a reconnect gets no PubAck,
   * so waiting out the timeout would only delay the caller's "not stored".
   */
  async publishDurable<D extends DescMessage>(
    subject: string,
    schema: D,
    message: MessageInitShape<D>,
    options: EncodeOptions & DurableOptions = {},
  ): Promise<PubAck> {
    return this.publishDurableEncoded(subject, encode(schema, message, options), options);
  }

  /** `publishDurable` of a message already serialized (codec's `withHeaders`). */
  async publishDurableEncoded(subject: string, { data, headers }: Encoded, options: DurableOptions = {}): Promise<PubAck> {
    if (this.nc.isClosed() || !this.#connected) throw new BusUnavailableError(`bus ${this.#lastStatus}: ${subject} not stored`);
    if (options.expectStream) headers.set(Header.expectedStream, options.expectStream);
    return this.#pubAcks.publish(subject, data, headers, options.timeoutMs ?? DURABLE_TIMEOUT_MS);
  }

  /**
   * Subscribes with a typed handler. Messages are handled one at a time in arrival order;
   * a message of the wrong type or a throwing handler is logged and skipped.
   */
  subscribe<D extends DescMessage>(
    subject: string,
    schema: D,
    handler: MessageHandler<D>,
    options: { queue?: string } = {},
  ): BusSubscription {
    const inOrder = new InOrder<Msg>(
      (msg) => handler(decodeReceived(schema, msg), contextOf(msg)),
      (err, msg) => this.#log.warn({ err, subject: msg.subject, type: schema.typeName }, "bus message handler failed"),
    );
    return this.#subscribeInOrder(subject, inOrder, options.queue);
  }

  /**
   * A callback subscription feeding `inOrder`: no async iterator and no promise per message
   * when the handler is synchronous. `closed` waits for the messages already received.
   */
  #subscribeInOrder(subject: string, inOrder: InOrder<Msg>, queue: string | undefined): BusSubscription {
    const sub = this.nc.subscribe(subject, {
      ...(queue ? { queue } : {}),
      callback: (err, msg) => {
        if (err) this.#log.warn({ err, subject }, "bus subscription error");
        else inOrder.push(msg);
      },
    });
    const closed = sub.closed.then(() => inOrder.idle());
    return { drain: () => sub.drain(), unsubscribe: () => sub.unsubscribe(), closed };
  }

  /** Request/reply with typed request and response. */
  async request<Q extends DescMessage, R extends DescMessage>(
    subject: string,
    requestSchema: Q,
    request: MessageInitShape<Q>,
    responseSchema: R,
    options: { timeoutMs?: number; traceparent?: string } = {},
  ): Promise<MessageShape<R>> {
    const { data, headers } = encode(requestSchema, request, { traceparent: options.traceparent });
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, data, { headers, timeout: options.timeoutMs ?? 5_000 });
    } catch (err) {
      throw new BusRequestError(`request to ${subject} failed: ${(err as Error).message}`, { cause: err });
    }
    const error = receivedHeader(reply, Header.error);
    if (error) throw new BusRequestError(`${subject}: ${error}`);
    return decodeReceived(responseSchema, reply);
  }

  /** Answers requests on `subject`; a throwing handler answers with a Gh-Error header. */
  serve<Q extends DescMessage, R extends DescMessage>(
    subject: string,
    requestSchema: Q,
    responseSchema: R,
    handler: (request: MessageShape<Q>, context: MessageContext) => MessageInitShape<R> | Promise<MessageInitShape<R>>,
    options: { queue?: string } = {},
  ): BusSubscription {
    const answer = async (msg: Msg): Promise<void> => {
      try {
        const response = await handler(decodeReceived(requestSchema, msg), contextOf(msg));
        const { data, headers } = encode(responseSchema, response);
        msg.respond(data, { headers });
      } catch (err) {
        const headers = new BusHeaders();
        headers.set(Header.error, (err as Error).message.replace(/[\r\n]+/g, " ").slice(0, 512));
        msg.respond(new Uint8Array(0), { headers });
      }
    };
    const inOrder = new InOrder<Msg>(answer, (err, msg) =>
      this.#log.warn({ err, subject: msg.subject }, "bus request could not be answered"),
    );
    return this.#subscribeInOrder(subject, inOrder, options.queue);
  }

  /** Consumes a durable pull consumer with typed, settle-once deliveries. */
  async consume<D extends DescMessage>(options: ConsumeOptions<D>): Promise<BusConsumer> {
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const consumer = await this.js.consumers.get(options.stream, options.consumer);
    const messages = await consumer.consume({
      max_messages: options.prefetch ?? Math.max(concurrency * 2, 16),
      expires: PULL_EXPIRES_MS,
    });
    const window = new TaskWindow(concurrency);
    const done = (async () => {
      for await (const m of messages) {
        window.run(() =>
          this.#deliver(m, options).catch((err: unknown) =>
            this.#log.error({ err, stream: options.stream, seq: m.seq }, "delivery could not be settled"),
          ),
        );
        await window.room();
      }
      await window.idle();
    })();
    return {
      done,
      stop: async () => {
        await messages.close();
        await done;
      },
    };
  }

  async #deliver<D extends DescMessage>(m: JsMsg, options: ConsumeOptions<D>): Promise<void> {
    let message: MessageShape<D>;
    try {
      message = decodeReceived(options.schema, m);
    } catch (err) {
      const reason = err instanceof BusDecodeError ? err.reason : "malformed";
      this.#log.error({ err, reason, stream: options.stream, seq: m.seq }, "undecodable message terminated");
      // No reason text: nats-server 2.9 does not understand "+TERM <reason>" and would redeliver.
      m.term();
      return;
    }
    const delivery = new JsDelivery(m);
    const inProgress =
      options.workingEveryMs === undefined
        ? undefined
        : setInterval(() => {
            if (!delivery.settled) delivery.working();
          }, options.workingEveryMs);
    try {
      await options.handler(message, delivery);
      if (!delivery.settled) await delivery.ack();
    } catch (err) {
      if (delivery.settled) {
        this.#log.error({ err, stream: options.stream, seq: m.seq }, "delivery handler failed after settling");
        return;
      }
      const delay = (options.retryDelayMs ?? defaultRetryDelay)(delivery.redeliveryCount);
      this.#log.warn({ err, stream: options.stream, seq: m.seq, retryInMs: delay }, "delivery handler failed; redelivering");
      delivery.nak(delay);
    } finally {
      clearInterval(inProgress);
    }
  }

  /** Stops subscriptions after their pending messages and closes the connection. */
  async drain(): Promise<void> {
    if (this.nc.isClosed() || this.nc.isDraining()) return;
    await this.nc.drain();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }
}
