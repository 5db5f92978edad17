import { Sv2Error } from "../errors.js";
import { type AnyMessage, decodePayload } from "../messages/registry.js";
import { decodeHeader, FRAME_HEADER_SIZE } from "./header.js";

/** Decodes exactly one complete plaintext frame (header ‖ payload). */
export function decodeFrame(frame: Uint8Array, maxPayload = 0xffffff): AnyMessage {
  const header = decodeHeader(frame);
  if (header.msgLength > maxPayload)
    throw new Sv2Error("frame_too_large", `msg_length ${header.msgLength} exceeds the limit ${maxPayload}`);
  if (frame.length !== FRAME_HEADER_SIZE + header.msgLength) {
    throw new Sv2Error("frame_decode_error", `frame is ${frame.length} bytes, header announces ${FRAME_HEADER_SIZE + header.msgLength}`);
  }
  return decodePayload(header, frame.subarray(FRAME_HEADER_SIZE));
}
