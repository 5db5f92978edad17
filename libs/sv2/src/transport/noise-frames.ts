import { Sv2Error } from "../errors.js";
import { decodeHeader, encodeHeader, FRAME_HEADER_SIZE, type FrameHeader, MAX_PAYLOAD_LENGTH } from "../framing/header.js";
import { type ChannelBitStyle, encodePayload, headerFor, type MessageFields, type MessageName } from "../messages/registry.js";
import { type CipherState, MAC_LENGTH } from "../noise/cipher-state.js";
import { ByteQueue } from "./byte-queue.js";

export const ENCRYPTED_HEADER_SIZE = FRAME_HEADER_SIZE + MAC_LENGTH;
/** Largest plaintext per AEAD chunk, so each ciphertext block fits 65,535 bytes. */
export const CHUNK_PLAINTEXT_MAX = 0xffff - MAC_LENGTH;

const EMPTY = new Uint8Array(0);

/** Ciphertext length of an L-byte payload: one 16-byte tag per started 65,519-byte chunk; 0 for L = 0. */
export function encryptedPayloadLength(plaintextLength: number): number {
  return plaintextLength + MAC_LENGTH * Math.ceil(plaintextLength / CHUNK_PLAINTEXT_MAX);
}

export interface RawFrame {
  header: FrameHeader;
  payload: Uint8Array;
}

/** Encrypts frames for one direction: the 22-byte encrypted header, then the payload in chunks. */
export class NoiseFrameEncoder {
  private readonly headerScratch = new Uint8Array(FRAME_HEADER_SIZE);

  constructor(
    private readonly cipher: CipherState,
    private readonly channelBit: ChannelBitStyle = "spec",
  ) {}

  encodeFrame(header: FrameHeader, payload: Uint8Array): Uint8Array {
    if (payload.length !== header.msgLength) throw new Sv2Error("invalid_argument", "payload length differs from the header's msg_length");
    if (payload.length > MAX_PAYLOAD_LENGTH) throw new Sv2Error("frame_too_large", `payload of ${payload.length} bytes exceeds U24`);
    const out = new Uint8Array(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(payload.length));
    let at = this.cipher.encryptInto(EMPTY, encodeHeader(header, this.headerScratch), out, 0);
    for (let offset = 0; offset < payload.length; offset += CHUNK_PLAINTEXT_MAX) {
      at += this.cipher.encryptInto(EMPTY, payload.subarray(offset, offset + CHUNK_PLAINTEXT_MAX), out, at);
    }
    return out;
  }

  encodeMessage<N extends MessageName>(name: N, message: MessageFields<N>): Uint8Array {
    const payload = encodePayload(name, message);
    return this.encodeFrame(headerFor(name, payload.length, this.channelBit), payload);
  }
}

/**
 * Reassembles and decrypts frames from a byte stream. Rejects a frame whose announced length
 * exceeds `maxPayload` as soon as its header is decrypted, before buffering its payload. Any
 * failure poisons the decoder: an SV2 connection does not survive a MAC failure.
 */
export class NoiseFrameDecoder {
  private readonly queue = new ByteQueue();
  private pending: FrameHeader | undefined;
  private failure: Sv2Error | undefined;

  constructor(
    private readonly cipher: CipherState,
    private readonly maxPayload = MAX_PAYLOAD_LENGTH,
  ) {}

  get buffered(): number {
    return this.queue.length;
  }

  /** True after next() returned undefined with part of a frame received. */
  get midFrame(): boolean {
    return this.pending !== undefined || this.queue.length > 0;
  }

  push(bytes: Uint8Array): void {
    this.queue.push(bytes);
  }

  /** The next complete frame, or undefined if more bytes are needed. Throws Sv2Error only. */
  next(): RawFrame | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.step();
    } catch (err) {
      this.failure = err instanceof Sv2Error ? err : new Sv2Error("frame_decode_error", (err as Error).message);
      this.queue.clear();
      throw this.failure;
    }
  }

  private step(): RawFrame | undefined {
    if (!this.pending) {
      if (this.queue.length < ENCRYPTED_HEADER_SIZE) return undefined;
      const header = decodeHeader(this.cipher.decryptWithAd(EMPTY, this.queue.take(ENCRYPTED_HEADER_SIZE)));
      if (header.msgLength > this.maxPayload) {
        throw new Sv2Error("frame_too_large", `msg_length ${header.msgLength} exceeds the limit ${this.maxPayload}`);
      }
      this.pending = header;
    }
    const header = this.pending;
    const cipherLength = encryptedPayloadLength(header.msgLength);
    if (this.queue.length < cipherLength) return undefined;
    this.pending = undefined;
    if (header.msgLength === 0) return { header, payload: EMPTY };
    const ciphertext = this.queue.take(cipherLength);
    if (cipherLength <= 0xffff) return { header, payload: this.cipher.decryptWithAd(EMPTY, ciphertext) };
    const payload = new Uint8Array(header.msgLength);
    let written = 0;
    for (let offset = 0; offset < cipherLength; offset += 0xffff) {
      const plain = this.cipher.decryptWithAd(EMPTY, ciphertext.subarray(offset, offset + 0xffff));
      payload.set(plain, written);
      written += plain.length;
    }
    return { header, payload };
  }
}
