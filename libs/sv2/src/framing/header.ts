import { Sv2Error } from "../errors.js";

export const FRAME_HEADER_SIZE = 6;
export const CHANNEL_MSG_BIT = 0x8000;
export const MAX_PAYLOAD_LENGTH = 0xffffff;

/** The 6-byte SV2 frame header; `extensionType` is already stripped of the channel bit. */
export interface FrameHeader {
  extensionType: number;
  channelMsg: boolean;
  msgType: number;
  msgLength: number;
}

export function encodeHeader(h: FrameHeader, out = new Uint8Array(FRAME_HEADER_SIZE), at = 0): Uint8Array {
  if (h.extensionType < 0 || h.extensionType > 0x7fff)
    throw new Sv2Error("invalid_argument", `extension_type ${h.extensionType} out of 0..0x7fff`);
  if (h.msgType < 0 || h.msgType > 0xff) throw new Sv2Error("invalid_argument", `msg_type ${h.msgType} out of range`);
  if (h.msgLength < 0 || h.msgLength > MAX_PAYLOAD_LENGTH) throw new Sv2Error("frame_too_large", `msg_length ${h.msgLength} exceeds U24`);
  const ext = h.extensionType | (h.channelMsg ? CHANNEL_MSG_BIT : 0);
  out[at] = ext & 0xff;
  out[at + 1] = ext >>> 8;
  out[at + 2] = h.msgType;
  out[at + 3] = h.msgLength & 0xff;
  out[at + 4] = (h.msgLength >>> 8) & 0xff;
  out[at + 5] = h.msgLength >>> 16;
  return out;
}

export function decodeHeader(bytes: Uint8Array, at = 0): FrameHeader {
  if (bytes.length - at < FRAME_HEADER_SIZE)
    throw new Sv2Error("frame_decode_error", `frame header needs 6 bytes, got ${bytes.length - at}`);
  const ext = (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
  return {
    extensionType: ext & ~CHANNEL_MSG_BIT & 0xffff,
    channelMsg: (ext & CHANNEL_MSG_BIT) !== 0,
    msgType: bytes[at + 2] as number,
    msgLength: (bytes[at + 3] as number) | ((bytes[at + 4] as number) << 8) | ((bytes[at + 5] as number) << 16),
  };
}
