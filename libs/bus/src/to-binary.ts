import { type DescField, type DescMessage, type MessageShape, protoInt64, ScalarType, toBinary } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

// protobuf-es's `toBinary` starts a new writer for every message: a 128-byte buffer, grown by
// doubling, and the result sliced out of it. In Node 20 a typed array over 64 bytes gets a backing
// store of its own outside the JavaScript heap, and each one cost about 1.7 µs here (`new
// Uint8Array(128)` or `(256)`, or a 252-byte `slice`), where a `Buffer.allocUnsafe` slice of Node's
// shared pool cost 0.2 µs. A 252-byte ShareAccepted took three of them: 7–10 µs to encode, half of it
// in the writer's `ensureCapacity`.
//
// `messageToBinary` writes the same bytes into one buffer kept between calls and copies the result
// into a pooled Buffer. Values outside their canonical type (a string for an int32, say), which
// protobuf-es coerces or refuses with its own message, and schemas whose encoding needs more than
// this module knows (proto2 required fields, groups, maps, wrapper and Struct fields), are encoded
// by protobuf-es itself, so the bytes and the refusals stay protobuf-es's.

/** Largest buffer kept between calls; a larger message grows one for itself that is then let go. */
const KEPT_CAPACITY = 1 << 20;
const INITIAL_CAPACITY = 16 << 10;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;
const UINT32_MAX = 0xffffffff;
const WIRE_VARINT = 0;
const WIRE_BIT64 = 1;
const WIRE_DELIMITED = 2;
const WIRE_BIT32 = 5;

/** A value the fast path leaves to protobuf-es (coercion or refusal). */
class NotCanonical extends Error {}

/** The buffer every encode writes into; one at a time, as encoding is synchronous. */
class ScratchWriter {
  buffer = new Uint8Array(INITIAL_CAPACITY);
  view = new DataView(this.buffer.buffer);
  pos = 0;
  /** Start of each open length-delimited field. */
  readonly forks: number[] = [];
  private readonly utf8 = new TextEncoder();

  ensure(size: number): void {
    const required = this.pos + size;
    if (required <= this.buffer.length) return;
    let length = this.buffer.length * 2;
    while (length < required) length *= 2;
    const grown = new Uint8Array(length);
    grown.set(this.buffer.subarray(0, this.pos));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** The bytes written, in a Buffer of their own (pooled when small), and the writer emptied. */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.pos);
    out.set(this.buffer.subarray(0, this.pos));
    this.reset();
    return out;
  }

  reset(): void {
    this.pos = 0;
    this.forks.length = 0;
    if (this.buffer.length > KEPT_CAPACITY) {
      this.buffer = new Uint8Array(INITIAL_CAPACITY);
      this.view = new DataView(this.buffer.buffer);
    }
  }

  tag(fieldNo: number, wireType: number): void {
    this.varint32(((fieldNo << 3) | wireType) >>> 0);
  }

  varint32(value: number): void {
    this.ensure(5);
    const buffer = this.buffer;
    while (value > 0x7f) {
      buffer[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[this.pos++] = value;
  }

  /** A 64-bit varint given as its low and high 32-bit words (two's complement). */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      buffer[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buffer[this.pos++] = lo;
  }

  /** A negative int32 is a ten-byte varint of its 64-bit sign extension. */
  int32(value: number): void {
    if (value >= 0) this.varint32(value);
    else this.varint64(value, -1);
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.view.setInt32(this.pos, lo, true);
    this.view.setInt32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  float(value: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.raw(value);
  }

  string(value: string): void {
    const length = value.length;
    if (length < 0x80) {
      // ASCII needs no encoder, and its length prefix is one byte.
      this.ensure(length + 1);
      const buffer = this.buffer;
      let pos = this.pos + 1;
      let i = 0;
      for (; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        buffer[pos++] = code;
      }
      if (i === length) {
        buffer[this.pos] = length;
        this.pos = pos;
        return;
      }
    }
    // A UTF-16 code unit is at most 3 bytes of UTF-8; the prefix is written after, then moved if longer than guessed.
    this.ensure(length * 3 + 5);
    const guess = varint32Size(length);
    const start = this.pos;
    const { written } = this.utf8.encodeInto(value, this.buffer.subarray(start + guess));
    const size = varint32Size(written);
    if (size !== guess) this.buffer.copyWithin(start + size, start + guess, start + guess + written);
    this.varint32(written);
    this.pos += written;
  }

  /** Opens a length-delimited field: one byte is kept for its length, widened at `join` if needed. */
  fork(): void {
    this.forks.push(this.pos);
    this.ensure(1);
    this.pos += 1;
  }

  join(): void {
    const start = this.forks.pop() as number;
    const length = this.pos - start - 1;
    const size = varint32Size(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buffer.copyWithin(start + size, start + 1, this.pos);
    }
    this.pos = start;
    this.varint32(length);
    this.pos += length;
  }
}

function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

type Message = Record<string, unknown> & { $typeName?: string; $unknown?: { no: number; wireType: number; data: Uint8Array }[] };
type WriteMember = (writer: ScratchWriter, message: Message) => void;
type WriteValue = (writer: ScratchWriter, value: unknown) => void;

interface Encoder {
  typeName: string;
  /** `null` while compiling, and for a schema left to protobuf-es. */
  members: WriteMember[] | null;
}

const encoders = new WeakMap<DescMessage, Encoder>();
const writer = new ScratchWriter();
let writing = false;

/**
 * `toBinary(schema, message)`: the same bytes, written without a new buffer per call (see above). The
 * result is a Buffer over Node's shared pool when small; treat it as any Uint8Array.
 */
export function messageToBinary<D extends DescMessage>(schema: D, message: MessageShape<D>): Uint8Array {
  const encoder = encoderOf(schema);
  // Re-entry (a value's valueOf encoding another message) would write into the buffer in use.
  if (encoder.members === null || writing) return toBinary(schema, message);
  writing = true;
  try {
    writeMessage(writer, encoder, message as unknown as Message);
    return writer.finish();
  } catch {
    // A value the fast path leaves to protobuf-es (NotCanonical), or one shaped as it did not expect
    // (a list that is not an array): protobuf-es encodes it, or refuses it with its own error.
    writer.reset();
    return toBinary(schema, message);
  } finally {
    writing = false;
  }
}

/**
 * A message's bytes followed by field `fieldNo` holding `value` as length-delimited bytes: the bytes
 * of that message with the field set, when it is the last in number order. Lets a submessage already
 * serialized be embedded without encoding it again.
 */
export function appendBytesField(encoded: Uint8Array, fieldNo: number, value: Uint8Array): Uint8Array {
  try {
    writer.raw(encoded);
    writer.tag(fieldNo, WIRE_DELIMITED);
    writer.bytes(value);
    return writer.finish();
  } catch (err) {
    // Left half written, the buffer would start the next message.
    writer.reset();
    throw err;
  }
}

function writeMessage(writer: ScratchWriter, encoder: Encoder, message: Message): void {
  const members = encoder.members;
  if (members === null || message.$typeName !== encoder.typeName) throw new NotCanonical();
  for (let i = 0; i < members.length; i++) (members[i] as WriteMember)(writer, message);
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    for (const { no, wireType, data } of unknown) {
      writer.tag(no, wireType);
      writer.raw(data);
    }
  }
}

function encoderOf(schema: DescMessage): Encoder {
  let encoder = encoders.get(schema);
  if (encoder === undefined) {
    encoder = { typeName: schema.typeName, members: null };
    // Registered before its fields compile, so a recursive schema finds itself.
    encoders.set(schema, encoder);
    const fields = schema.fields.concat().sort((a, b) => a.number - b.number);
    const members: WriteMember[] = [];
    for (const field of fields) {
      const member = memberWriter(field);
      if (member === null) return encoder;
      members.push(member);
    }
    encoder.members = members;
  }
  return encoder;
}

/** How one field is written, presence check included; `null` where the schema is left to protobuf-es. */
function memberWriter(field: DescField): WriteMember | null {
  const name = field.localName;
  switch (field.fieldKind) {
    case "map":
      return null;
    case "list": {
      if (field.listKind === "message") {
        const child = childWriter(field.number, field.message, field.delimitedEncoding);
        if (child === null) return null;
        return (writer, message) => {
          const items = message[name] as unknown[];
          for (let i = 0; i < items.length; i++) child(writer, items[i]);
        };
      }
      const type = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
      const write = scalarWriter(type);
      const fieldNo = field.number;
      if (field.packed) {
        return (writer, message) => {
          const items = message[name] as unknown[];
          if (items.length === 0) return;
          writer.tag(fieldNo, WIRE_DELIMITED);
          writer.fork();
          for (let i = 0; i < items.length; i++) write(writer, items[i]);
          writer.join();
        };
      }
      const wireType = wireTypeOf(type);
      return (writer, message) => {
        const items = message[name] as unknown[];
        for (let i = 0; i < items.length; i++) {
          writer.tag(fieldNo, wireType);
          write(writer, items[i]);
        }
      };
    }
    case "message":
    case "scalar":
    case "enum": {
      const write = valueWriter(field);
      if (write === null) return null;
      if (field.oneof) {
        const oneof = field.oneof.localName;
        return (writer, message) => {
          const selected = message[oneof] as { case: unknown; value: unknown };
          if (selected.case === name) write(writer, selected.value);
        };
      }
      if (field.presence !== IMPLICIT) {
        if (field.presence === LEGACY_REQUIRED) return null;
        return (writer, message) => {
          const value = message[name];
          if (value !== undefined && Object.hasOwn(message, name)) write(writer, value);
        };
      }
      const isZero = zeroTest(field);
      return (writer, message) => {
        const value = message[name];
        if (!isZero(value)) write(writer, value);
      };
    }
  }
}

// google.protobuf.FeatureSet.FieldPresence: a field whose zero value is not written, and a proto2 required field.
const IMPLICIT = 2;
const LEGACY_REQUIRED = 3;

/** Whether an implicit-presence field holds its zero value, and so is not written (protobuf-es's tests, type by type). */
function zeroTest(field: DescField): (value: unknown) => boolean {
  if (field.fieldKind === "enum") {
    const zero = field.enum.values[0]?.number;
    return (value) => value === zero;
  }
  // A message field always has explicit presence; only scalars reach the switch.
  switch (field.scalar) {
    case ScalarType.BOOL:
      return (value) => value === false;
    case ScalarType.STRING:
      return (value) => value === "";
    case ScalarType.BYTES:
      return (value) => value instanceof Uint8Array && value.length === 0;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return (value) => Object.is(value, 0);
    default:
      // Loose, as protobuf-es's: 0, 0n and "0" are all zero.
      // biome-ignore lint/suspicious/noDoubleEquals: the loose comparison is the point
      return (value) => value == 0;
  }
}

/** A singular field's tag and value. */
function valueWriter(field: DescField & { fieldKind: "scalar" | "enum" | "message" }): WriteValue | null {
  if (field.fieldKind === "message") {
    if (!field.oneof && isWrapperDesc(field.message)) return null;
    return childWriter(field.number, field.message, field.delimitedEncoding);
  }
  const type = field.fieldKind === "enum" ? ScalarType.INT32 : field.scalar;
  const write = scalarWriter(type);
  const fieldNo = field.number;
  const wireType = wireTypeOf(type);
  return (writer, value) => {
    writer.tag(fieldNo, wireType);
    write(writer, value);
  };
}

/** A nested message with its tag and length; an absent list item or oneof value is the empty message. */
function childWriter(fieldNo: number, schema: DescMessage, delimited: boolean): WriteValue | null {
  if (delimited || schema.typeName === "google.protobuf.Struct") return null;
  const encoder = encoderOf(schema);
  return (writer, value) => {
    writer.tag(fieldNo, WIRE_DELIMITED);
    writer.fork();
    if (value !== undefined) writeMessage(writer, encoder, value as Message);
    writer.join();
  };
}

function wireTypeOf(type: ScalarType): number {
  switch (type) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return WIRE_DELIMITED;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WIRE_BIT64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return WIRE_BIT32;
    default:
      return WIRE_VARINT;
  }
}

function int32Of(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > INT32_MAX || value < INT32_MIN) throw new NotCanonical();
  return value;
}

function uint32Of(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > UINT32_MAX || value < 0) throw new NotCanonical();
  return value;
}

/** A 64-bit value through protobuf-es's own conversion, which accepts a bigint, a number or a decimal string. */
function int64Of(value: unknown, unsigned: boolean): { lo: number; hi: number } {
  try {
    return unsigned ? protoInt64.uEnc(value as bigint) : protoInt64.enc(value as bigint);
  } catch {
    throw new NotCanonical();
  }
}

/** A bare value of a scalar type (no tag). */
function scalarWriter(type: ScalarType): WriteValue {
  switch (type) {
    case ScalarType.STRING:
      return (writer, value) => {
        if (typeof value !== "string") throw new NotCanonical();
        writer.string(value);
      };
    case ScalarType.BOOL:
      return (writer, value) => writer.varint32(value ? 1 : 0);
    case ScalarType.BYTES:
      return (writer, value) => {
        if (!(value instanceof Uint8Array)) throw new NotCanonical();
        writer.bytes(value);
      };
    case ScalarType.DOUBLE:
      return (writer, value) => {
        if (typeof value !== "number") throw new NotCanonical();
        writer.double(value);
      };
    case ScalarType.FLOAT:
      return (writer, value) => {
        // A finite value too large for a float32 is refused; NaN and the infinities are values.
        if (typeof value !== "number" || (Number.isFinite(value) && !Number.isFinite(Math.fround(value)))) throw new NotCanonical();
        writer.float(value);
      };
    case ScalarType.INT32:
      return (writer, value) => writer.int32(int32Of(value));
    case ScalarType.SINT32:
      return (writer, value) => {
        const n = int32Of(value);
        writer.varint32(((n << 1) ^ (n >> 31)) >>> 0);
      };
    case ScalarType.SFIXED32:
      return (writer, value) => writer.fixed32(int32Of(value));
    case ScalarType.UINT32:
      return (writer, value) => writer.varint32(uint32Of(value));
    case ScalarType.FIXED32:
      return (writer, value) => writer.fixed32(uint32Of(value));
    case ScalarType.INT64:
      return (writer, value) => {
        const { lo, hi } = int64Of(value, false);
        writer.varint64(lo, hi);
      };
    case ScalarType.UINT64:
      return (writer, value) => {
        const { lo, hi } = int64Of(value, true);
        writer.varint64(lo, hi);
      };
    case ScalarType.SINT64:
      return (writer, value) => {
        const { lo, hi } = int64Of(value, false);
        const sign = hi >> 31;
        writer.varint64((lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign);
      };
    case ScalarType.FIXED64:
      return (writer, value) => {
        const { lo, hi } = int64Of(value, true);
        writer.fixed64(lo, hi);
      };
    case ScalarType.SFIXED64:
      return (writer, value) => {
        const { lo, hi } = int64Of(value, false);
        writer.fixed64(lo, hi);
      };
  }
}
