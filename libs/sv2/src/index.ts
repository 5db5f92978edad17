export { Reader } from "./binary/reader.js";
export * from "./binary/types.js";
export { Writer } from "./binary/writer.js";
export { isSv2Error, Sv2Error, type Sv2ErrorReason } from "./errors.js";
export * from "./framing/header.js";
export { decodeFrame } from "./framing/plain.js";
export * from "./messages/common.js";
export type { FieldsOf, MessageDef } from "./messages/define.js";
export * from "./messages/mining.js";
export * from "./messages/registry.js";
export * from "./messages/template-distribution.js";
export { Sv2Client, type Sv2ClientOptions } from "./net/client.js";
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Framing,
  noiseFraming,
  plainFraming,
  Sv2Connection,
  type Sv2ConnectionOptions,
} from "./net/connection.js";
export {
  type AcceptNoiseOptions,
  acceptNoise,
  connectNoise,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type HandshakeTimingOptions,
  type InitiatorConnectOptions,
  plainConnection,
} from "./net/handshake-io.js";
export { type Aead, AeadTagMismatch, aead, libsodiumAead, nodeAead } from "./noise/aead.js";
export * from "./noise/authority-key.js";
export { base58CheckDecode, base58CheckEncode, base58Decode, base58Encode } from "./noise/base58.js";
export * from "./noise/certificate.js";
export { CipherState, MAC_LENGTH, MAX_NONCE } from "./noise/cipher-state.js";
export { curveBackend } from "./noise/curve.js";
export * from "./noise/ellswift.js";
export { EllSwiftKeyPool } from "./noise/ephemeral-pool.js";
export * from "./noise/handshake.js";
export { bip340Sign, bip340Verify } from "./noise/schnorr.js";
export * from "./noise/server-identity.js";
export { PROTOCOL_NAME } from "./noise/symmetric-state.js";
export { ByteQueue } from "./transport/byte-queue.js";
export * from "./transport/noise-frames.js";
export { PlainFrameDecoder, PlainFrameEncoder } from "./transport/plain-frames.js";
