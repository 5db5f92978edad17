import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { JsMsg } from "@nats-io/jetstream";
import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import { BusHeaders, Header, PROTOBUF_CONTENT_TYPE } from "./headers.js";
import { createMessage, messageFromBinary } from "./messages.js";
import { receivedHeader } from "./received-headers.js";
import { messageToBinary } from "./to-binary.js";

export interface EncodeOptions {
  /** JetStream dedup id (`Nats-Msg-Id`). */
  msgId?: string;
  /** W3C trace context to propagate. */
  traceparent?: string;
}

export interface Encoded {
  data: Uint8Array;
  headers: BusHeaders;
}

/** Serializes a message with the headers every Gatehouse bus message carries. */
export function encode<D extends DescMessage>(schema: D, message: MessageInitShape<D>, options: EncodeOptions = {}): Encoded {
  return withHeaders(schema, messageToBinary(schema, createMessage(schema, message)), options);
}

/** `data`, already serialized as `schema`, with the headers every Gatehouse bus message carries. */
export function withHeaders(schema: DescMessage, data: Uint8Array, options: EncodeOptions = {}): Encoded {
  // append, not set: the headers are new, and set would first search them for a previous value.
  const headers = new BusHeaders();
  headers.append(Header.contentType, PROTOBUF_CONTENT_TYPE);
  headers.append(Header.type, schema.typeName);
  if (options.traceparent) headers.append(Header.traceparent, options.traceparent);
  if (options.msgId) headers.append(Header.msgId, options.msgId);
  return { data, headers };
}

/** One per message type published: bounded by the schemas in the code. */
const typeHeaders = new Map<string, MsgHdrs>();

/**
 * The headers of a `schema` message that carries no msgId or traceparent: the same for every such
 * message, so built once rather than per publish. Publish only; never changed (the bytes are pinned).
 */
export function headersOfType(schema: DescMessage): MsgHdrs {
  let headers = typeHeaders.get(schema.typeName);
  if (!headers) {
    const set = withHeaders(schema, new Uint8Array(0)).headers;
    // nats.js serializes a header set at each publish through its encode(), a string and its bytes
    // each time; pinned to the first result. Were it not called, the set still encodes alike.
    const bytes = set.encode();
    set.encode = () => bytes;
    headers = set;
    typeHeaders.set(schema.typeName, headers);
  }
  return headers;
}

export type DecodeFailure = "missing_type" | "type_mismatch" | "malformed";

/** A bus message that is not the expected protobuf type or does not parse. */
export class BusDecodeError extends Error {
  override readonly name = "BusDecodeError";
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The `Gh-Type` of a message, if any. */
export function typeOf(headers: MsgHdrs | undefined): string | undefined {
  return headers?.get(Header.type) || undefined;
}

/** Parses a bus message as `schema`, refusing any other declared type. */
export function decode<D extends DescMessage>(schema: D, data: Uint8Array, headers: MsgHdrs | undefined): MessageShape<D> {
  return decodeDeclared(schema, data, typeOf(headers));
}

/** `decode` of a message as received (core NATS or JetStream), its `Gh-Type` read without decoding its other headers. */
export function decodeReceived<D extends DescMessage>(schema: D, msg: Msg | JsMsg): MessageShape<D> {
  return decodeDeclared(schema, msg.data, receivedHeader(msg, Header.type));
}

function decodeDeclared<D extends DescMessage>(schema: D, data: Uint8Array, declared: string | undefined): MessageShape<D> {
  if (!declared) throw new BusDecodeError("missing_type", `message has no ${Header.type} header`);
  if (declared !== schema.typeName) {
    throw new BusDecodeError("type_mismatch", `expected ${schema.typeName}, got ${declared}`);
  }
  try {
    return messageFromBinary(schema, data);
  } catch (err) {
    throw new BusDecodeError("malformed", `malformed ${schema.typeName}: ${(err as Error).message}`, { cause: err });
  }
}
