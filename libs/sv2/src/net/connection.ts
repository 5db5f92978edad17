import type { Socket } from "node:net";
import { isSv2Error, Sv2Error } from "../errors.js";
import {
  type AnyMessage,
  type ChannelBitStyle,
  CORE_EXTENSION,
  channelBitDiffers,
  decodePayload,
  type MessageFields,
  type MessageName,
} from "../messages/registry.js";
import type { TransportKeys } from "../noise/handshake.js";
import type { ByteQueue } from "../transport/byte-queue.js";
import { NoiseFrameDecoder, NoiseFrameEncoder, type RawFrame } from "../transport/noise-frames.js";
import { PlainFrameDecoder, PlainFrameEncoder } from "../transport/plain-frames.js";

export interface Sv2ConnectionOptions {
  /**
   * Largest accepted plaintext payload. U24 allows 16 MiB, which no mining peer needs; a Template
   * Distribution client receiving RequestTransactionData.Success (a whole block) must raise it.
   */
  maxPayloadBytes?: number;
  /** Decoded messages held for a slow consumer before the socket stops reading. */
  maxQueuedMessages?: number;
  /** Bytes Node may buffer for writing before send() fails the connection as too slow. */
  maxWriteBufferBytes?: number;
  /** How long a send may wait for a peer that stopped reading before the connection is failed. */
  writeStallTimeoutMs?: number;
  /** Channel bit on sent channel messages: the spec's table (default), or omitted as sv2-tp frames them. */
  channelBit?: ChannelBitStyle;
  /** Told of each received message whose channel bit differs from the table's (it is accepted). */
  onChannelBitDiffers?: (message: MessageName) => void;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

/** How messages become bytes and back on one connection: Noise-encrypted, or plaintext where allowed. */
export interface Framing {
  encoder: { encodeMessage<N extends MessageName>(name: N, message: MessageFields<N>): Uint8Array };
  decoder: { push(bytes: Uint8Array): void; next(): RawFrame | undefined; readonly midFrame: boolean };
  /** The Noise handshake hash; empty for plaintext. */
  handshakeHash: Uint8Array;
  encrypted: boolean;
}

export function noiseFraming(keys: TransportKeys, options: Sv2ConnectionOptions = {}): Framing {
  return {
    encoder: new NoiseFrameEncoder(keys.encryptor, options.channelBit),
    decoder: new NoiseFrameDecoder(keys.decryptor, options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES),
    handshakeHash: keys.handshakeHash,
    encrypted: true,
  };
}

export function plainFraming(options: Sv2ConnectionOptions = {}): Framing {
  return {
    encoder: new PlainFrameEncoder(options.channelBit),
    decoder: new PlainFrameDecoder(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES),
    handshakeHash: new Uint8Array(0),
    encrypted: false,
  };
}
const DEFAULT_MAX_QUEUED_MESSAGES = 256;
const DEFAULT_MAX_WRITE_BUFFER_BYTES = 4 << 20;
const DEFAULT_WRITE_STALL_TIMEOUT_MS = 30_000;

/**
 * An established SV2 connection (encrypted unless built with plainFraming): an async stream of decoded messages and a send
 * function. Reading pauses the socket while the consumer lags (TCP backpressure reaches the
 * peer); sending waits for 'drain'. The first protocol violation closes the socket and surfaces
 * as an Sv2Error from the message stream.
 */
export class Sv2Connection {
  readonly handshakeHash: Uint8Array;
  readonly encrypted: boolean;
  /** Frames with an unknown extension type, discarded as the spec requires. */
  discardedFrames = 0;
  /** Messages whose channel bit differed from the message table's, accepted all the same. */
  channelBitDifferences = 0;
  /** Whole frames received (decoded or discarded). */
  framesReceived = 0;
  private readonly encoder: Framing["encoder"];
  private readonly decoder: Framing["decoder"];
  private readonly queue: AnyMessage[] = [];
  private readonly maxQueued: number;
  private readonly maxWriteBuffer: number;
  private readonly writeStallTimeoutMs: number;
  private readonly onChannelBitDiffers: ((message: MessageName) => void) | undefined;
  private partialFrame = false;
  private waiting: (() => void) | undefined;
  private drain: Promise<void> | undefined;
  private failure: Sv2Error | undefined;
  private closed = false;
  private iterating = false;
  private corked = false;

  constructor(
    private readonly socket: Socket,
    framing: Framing,
    surplus: ByteQueue,
    options: Sv2ConnectionOptions = {},
    /** The responder's static key, on the initiator side. */
    readonly remoteStaticXOnly?: Uint8Array,
  ) {
    this.handshakeHash = framing.handshakeHash;
    this.encrypted = framing.encrypted;
    this.encoder = framing.encoder;
    this.decoder = framing.decoder;
    this.maxQueued = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    this.maxWriteBuffer = options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    this.writeStallTimeoutMs = options.writeStallTimeoutMs ?? DEFAULT_WRITE_STALL_TIMEOUT_MS;
    this.onChannelBitDiffers = options.onChannelBitDiffers;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(new Sv2Error("connection_closed", `socket error: ${err.message}`)));
    socket.on("close", () => this.onClose());
    // A peer can vanish between the handshake and here; 'close' would then never reach us.
    if (socket.destroyed) this.closed = true;
    if (surplus.length > 0) this.decoder.push(surplus.take(surplus.length));
    this.pump();
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }

  /** Decoded messages waiting for the consumer (bounded by maxQueuedMessages). */
  get queuedMessages(): number {
    return this.queue.length;
  }

  /** True while reading is paused because the consumer lags. */
  get readPaused(): boolean {
    return this.socket.isPaused();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * True while the peer has sent part of a frame and not the rest (not while whole frames wait
   * for a lagging consumer): what a server's frame-completion deadline watches.
   */
  get receivingFrame(): boolean {
    return this.partialFrame;
  }

  private onData(chunk: Uint8Array): void {
    if (this.failure) return;
    this.decoder.push(chunk);
    this.pump();
    this.wake();
  }

  /**
   * Decodes buffered frames until the message queue is full, then stops reading the socket; so at
   * most maxQueued messages plus one socket read are ever held per connection.
   */
  private pump(): void {
    if (this.failure) return;
    try {
      this.partialFrame = false;
      while (this.queue.length < this.maxQueued) {
        const frame = this.decoder.next();
        if (!frame) {
          this.partialFrame = this.decoder.midFrame;
          break;
        }
        this.framesReceived += 1;
        if (frame.header.extensionType !== CORE_EXTENSION) {
          this.discardedFrames += 1;
          continue;
        }
        const message = decodePayload(frame.header, frame.payload);
        if (channelBitDiffers(frame.header)) {
          this.channelBitDifferences += 1;
          this.onChannelBitDiffers?.(message.type);
        }
        this.queue.push(message);
      }
    } catch (err) {
      this.fail(isSv2Error(err) ? err : new Sv2Error("frame_decode_error", String(err)));
      return;
    }
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) this.socket.pause();
    else this.socket.resume();
  }

  private onClose(): void {
    this.closed = true;
    this.wake();
  }

  private fail(err: Sv2Error): void {
    if (this.failure) return;
    this.failure = err;
    this.closed = true;
    // What was sent before the failure (an error frame, then abort) leaves first, as an uncorked write would have.
    this.uncorkTurn();
    this.socket.destroy();
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /**
   * The single consumer's stream of messages. Ends when the peer closes cleanly; throws the
   * Sv2Error that closed the connection otherwise (messages decoded before it are delivered first).
   */
  async *messages(): AsyncGenerator<AnyMessage, void, undefined> {
    if (this.iterating) throw new Sv2Error("invalid_argument", "messages() already has a consumer");
    this.iterating = true;
    for (;;) {
      if (this.queue.length === 0) this.pump();
      const next = this.queue.shift();
      if (next) {
        if (this.queue.length < this.maxQueued / 2) this.pump();
        yield next;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  /** Frames (and encrypts) and writes one message; resolves once Node accepted it without exceeding its buffer. */
  async send<N extends MessageName>(name: N, message: MessageFields<N>): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Sv2Error("connection_closed", "connection is closed");
    if (this.socket.writableLength > this.maxWriteBuffer) {
      const err = new Sv2Error("send_buffer_full", `peer is not reading: ${this.socket.writableLength} bytes queued`);
      this.fail(err);
      throw err;
    }
    const frame = this.encoder.encodeMessage(name, message);
    this.corkForTurn();
    if (this.socket.write(frame)) return;
    // The buffer reached Node's high-water mark: flush now instead of at the end of the turn.
    this.uncorkTurn();
    await this.drained();
  }

  /**
   * Frames sent in one turn of the event loop leave in one write (writev): under load a turn
   * answers many shares, and a write per frame costs a syscall apiece. Uncorked once the turn's
   * microtasks are done (process.nextTick), so a lone frame is not held back.
   */
  private corkForTurn(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.uncorkTurn);
  }

  private readonly uncorkTurn = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  /**
   * One shared wait per congestion episode, however many sends are waiting on it. A peer that
   * stops reading altogether fails the connection after writeStallTimeoutMs instead of pinning it.
   */
  private drained(): Promise<void> {
    this.drain ??= new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.socket.off("drain", onDrain);
        this.socket.off("close", onClose);
        this.drain = undefined;
      };
      const onDrain = () => {
        settle();
        resolve();
      };
      const onClose = () => {
        settle();
        reject(this.failure ?? new Sv2Error("connection_closed", "connection closed while sending"));
      };
      const timer = setTimeout(() => {
        settle();
        const err = new Sv2Error("write_stalled", `peer has not read for ${this.writeStallTimeoutMs} ms`);
        this.fail(err);
        reject(err);
      }, this.writeStallTimeoutMs);
      this.socket.once("drain", onDrain);
      this.socket.once("close", onClose);
    });
    return this.drain;
  }

  /** Flushes what was sent, then closes. */
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
      // A peer that never reads would hold end() forever; bound it.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }

  /** Drops the connection immediately with a reason the message stream will report. */
  abort(err: Sv2Error): void {
    this.fail(err);
  }
}
