import { Sv2Error } from "../errors.js";
import { decodeHeader, FRAME_HEADER_SIZE, type FrameHeader, MAX_PAYLOAD_LENGTH } from "../framing/header.js";
import { type ChannelBitStyle, encodeFrame, type MessageFields, type MessageName } from "../messages/registry.js";
import { ByteQueue } from "./byte-queue.js";
import type { RawFrame } from "./noise-frames.js";

/** Unencrypted framing (header ‖ payload), for peers allowed to skip Noise on a trusted network. */
export class PlainFrameEncoder {
  constructor(private readonly channelBit: ChannelBitStyle = "spec") {}

  encodeMessage<N extends MessageName>(name: N, message: MessageFields<N>): Uint8Array {
    return encodeFrame(name, message, this.channelBit);
  }
}

/** Splits a plaintext byte stream into frames; like the Noise decoder, the size limit is checked at the header. */
export class PlainFrameDecoder {
  private readonly queue = new ByteQueue();
  private pending: FrameHeader | undefined;
  private failure: Sv2Error | undefined;

  constructor(private readonly maxPayload = MAX_PAYLOAD_LENGTH) {}

  push(bytes: Uint8Array): void {
    this.queue.push(bytes);
  }

  /** True after next() returned undefined with part of a frame received. */
  get midFrame(): boolean {
    return this.pending !== undefined || this.queue.length > 0;
  }

  /** The next complete frame, or undefined if more bytes are needed. Throws Sv2Error only. */
  next(): RawFrame | undefined {
    if (this.failure) throw this.failure;
    if (!this.pending) {
      if (this.queue.length < FRAME_HEADER_SIZE) return undefined;
      const header = decodeHeader(this.queue.take(FRAME_HEADER_SIZE));
      if (header.msgLength > this.maxPayload) {
        this.failure = new Sv2Error("frame_too_large", `msg_length ${header.msgLength} exceeds the limit ${this.maxPayload}`);
        this.queue.clear();
        throw this.failure;
      }
      this.pending = header;
    }
    const header = this.pending;
    if (this.queue.length < header.msgLength) return undefined;
    this.pending = undefined;
    // take() may hand out a view of a socket chunk; copy so the frame outlives it.
    return { header, payload: this.queue.take(header.msgLength).slice() };
  }
}
