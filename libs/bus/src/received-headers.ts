import type { JsMsg } from "@nats-io/jetstream";
import type { Msg, MsgHdrs } from "@nats-io/transport-node";

// nats.js decodes a received message's headers all at once, on the first read of `msg.headers`: the
// whole block as one string, split into lines, every key checked and canonicalized, every value kept
// in an array in a Map. For the three or four headers a Gatehouse message carries that took 2.1 µs,
// on every message, when the bus itself needs one value (`Gh-Type`, to check the type) and a
// handler now and then a second (`traceparent`).
//
// `receivedHeader` reads one value from the block's bytes instead. nats.js 3.4 keeps a received
// message's bytes in `MsgImpl._rdata`, the length of its header block in `_msg.hdr` (-1 when it has
// none) and its decoded headers, once decoded, in `_headers`. These are not public: a message
// without them, or whose headers are already decoded, is read through `msg.headers`, and a test
// pins that a message received from a real server is read from its bytes.

interface ReceivedMsgInternals {
  _rdata?: unknown;
  _msg?: { hdr?: unknown };
  _headers?: MsgHdrs;
}

const utf8 = new TextDecoder();
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/** `name` as bytes, per name asked for: the first NAMES_KEPT names (the code asks for a handful); others are encoded per call. */
const nameBytes = new Map<string, Uint8Array>();
const NAMES_KEPT = 64;

/** The first value of header `name` of a received core NATS or JetStream message, as `msg.headers.get(name)` gives it (`undefined` for none or empty). */
export function receivedHeader(msg: Msg | JsMsg, name: string): string | undefined {
  const core = ("msg" in msg ? (msg as { msg: Msg }).msg : msg) as Msg & ReceivedMsgInternals;
  const length = core._msg?.hdr;
  const bytes = core._rdata;
  if (core._headers === undefined && typeof length === "number" && bytes instanceof Uint8Array) {
    return length > 0 ? headerValue(bytes, length, name) : undefined;
  }
  return core.headers?.get(name) || undefined;
}

/**
 * The first value of `name` in a header block (`bytes[0, end)`: a status line, then `Key: value`
 * lines, each ended by CRLF), trimmed as nats.js trims it. Keys match exactly, as nats.js's `get`.
 */
export function headerValue(bytes: Uint8Array, end: number, name: string): string | undefined {
  let key = nameBytes.get(name);
  if (key === undefined) {
    key = Buffer.from(name);
    if (nameBytes.size < NAMES_KEPT) nameBytes.set(name, key);
  }
  // Every line after the status line starts after a CRLF.
  for (let line = lineEnd(bytes, 0, end) + 2; line < end; line = lineEnd(bytes, line, end) + 2) {
    if (!startsWithKey(bytes, line, end, key)) continue;
    const value = utf8.decode(bytes.subarray(line + key.length + 1, lineEnd(bytes, line, end))).trim();
    return value === "" ? undefined : value;
  }
  return undefined;
}

/** Where the line starting at `from` ends: its CRLF, or `end`. */
function lineEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (bytes[i] === CR && bytes[i + 1] === LF) return i;
  return end;
}

function startsWithKey(bytes: Uint8Array, at: number, end: number, key: Uint8Array): boolean {
  if (at + key.length >= end || bytes[at + key.length] !== COLON) return false;
  for (let i = 0; i < key.length; i++) if (bytes[at + i] !== key[i]) return false;
  return true;
}
