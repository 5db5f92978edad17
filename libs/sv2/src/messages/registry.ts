import { Reader } from "../binary/reader.js";
import { Writer } from "../binary/writer.js";
import { Sv2Error } from "../errors.js";
import { encodeHeader, FRAME_HEADER_SIZE, type FrameHeader } from "../framing/header.js";
import { commonMessages } from "./common.js";
import type { FieldsOf, MessageDef } from "./define.js";
import { miningMessages } from "./mining.js";
import { templateDistributionMessages } from "./template-distribution.js";

const allMessages = [...commonMessages, ...miningMessages, ...templateDistributionMessages] as const;
type AllDefs = (typeof allMessages)[number];

export type MessageName = AllDefs["name"];
type DefByName<N extends MessageName> = Extract<AllDefs, { name: N }>;
export type MessageFields<N extends MessageName> = FieldsOf<DefByName<N>>;

/** A decoded core message: `type` names it, `message` holds its fields. */
export type AnyMessage = { [N in MessageName]: { type: N; message: MessageFields<N> } }[MessageName];

const byType = new Map<number, MessageDef>();
const byName = new Map<string, MessageDef>();
for (const def of allMessages) {
  byType.set(def.msgType, def);
  byName.set(def.name, def);
}

export function messageDef(name: MessageName): MessageDef {
  return byName.get(name) as MessageDef;
}

/** Core (common, mining, template distribution) messages all use extension_type 0. */
export const CORE_EXTENSION = 0;

/**
 * How channel messages are framed: `spec` sets the channel bit as the spec's message table says;
 * `omit` never sets it, as the spec's own example text and sv2-tp's framing do.
 */
export type ChannelBitStyle = "spec" | "omit";

export function headerFor(name: MessageName, msgLength: number, channelBit: ChannelBitStyle = "spec"): FrameHeader {
  const def = messageDef(name);
  return { extensionType: CORE_EXTENSION, channelMsg: channelBit === "spec" && def.channelMsg, msgType: def.msgType, msgLength };
}

/**
 * True when a frame's channel bit differs from the message table's. Peers disagree (the table
 * sets it on every channel message; the spec's example text, sv2-tp, and SRI's SetCustomMiningJob
 * constants do not), so, like SRI, decoding goes by msg_type alone and a difference is only reported.
 */
export function channelBitDiffers(header: FrameHeader): boolean {
  const def = byType.get(header.msgType);
  return def !== undefined && def.channelMsg !== header.channelMsg;
}

export function encodePayload<N extends MessageName>(name: N, message: MessageFields<N>): Uint8Array {
  const def = messageDef(name);
  if (!def) throw new Sv2Error("invalid_argument", `unknown message ${name}`);
  const w = new Writer();
  const values = message as Record<string, unknown>;
  for (const [field, codec] of Object.entries(def.fields)) codec.encode(w, values[field]);
  return w.finish();
}

/** Decodes a payload by its header (the channel bit is not checked: see channelBitDiffers); throws only Sv2Error. */
export function decodePayload(header: FrameHeader, payload: Uint8Array): AnyMessage {
  if (header.extensionType !== CORE_EXTENSION) {
    throw new Sv2Error("unknown_extension", `extension_type 0x${header.extensionType.toString(16)} is not supported`);
  }
  const def = byType.get(header.msgType);
  if (!def) throw new Sv2Error("unknown_message_type", `msg_type 0x${header.msgType.toString(16)} is not a known core message`);
  if (payload.length !== header.msgLength) {
    throw new Sv2Error("frame_decode_error", `payload is ${payload.length} bytes, header says ${header.msgLength}`);
  }
  const r = new Reader(payload);
  const message: Record<string, unknown> = {};
  for (const [field, codec] of Object.entries(def.fields)) message[field] = codec.decode(r);
  r.end(def.name);
  return { type: def.name, message } as AnyMessage;
}

/** A plaintext frame (header ‖ payload), as sent before the handshake or on an unencrypted link. */
export function encodeFrame<N extends MessageName>(name: N, message: MessageFields<N>, channelBit: ChannelBitStyle = "spec"): Uint8Array {
  const payload = encodePayload(name, message);
  const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  encodeHeader(headerFor(name, payload.length, channelBit), frame);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}
