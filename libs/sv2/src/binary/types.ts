import { Sv2Error } from "../errors.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";

/** One SV2 data type: how to write it and how to read it back with the spec's bounds enforced. */
export interface Codec<T> {
  readonly name: string;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

export type ValueOf<C> = C extends Codec<infer T> ? T : never;

const int = (name: string, write: (w: Writer, v: number) => void, read: (r: Reader) => number): Codec<number> => ({
  name,
  encode: write,
  decode: read,
});

export const U8 = int(
  "U8",
  (w, v) => w.u8(v),
  (r) => r.u8(),
);
export const U16 = int(
  "U16",
  (w, v) => w.u16(v),
  (r) => r.u16(),
);
export const U24 = int(
  "U24",
  (w, v) => w.u24(v),
  (r) => r.u24(),
);
export const U32 = int(
  "U32",
  (w, v) => w.u32(v),
  (r) => r.u32(),
);
export const F32: Codec<number> = { name: "F32", encode: (w, v) => w.f32(v), decode: (r) => r.f32() };
export const BOOL: Codec<boolean> = { name: "BOOL", encode: (w, v) => w.bool(v), decode: (r) => r.bool() };
export const U64: Codec<bigint> = { name: "U64", encode: (w, v) => w.u64(v), decode: (r) => r.u64() };

/** 32 raw bytes: hashes in header byte order, or little-endian targets. */
export const U256: Codec<Uint8Array> = {
  name: "U256",
  encode: (w, v) => {
    if (!(v instanceof Uint8Array) || v.length !== 32) throw new Sv2Error("invalid_argument", "U256 must be 32 bytes");
    w.raw(v);
  },
  decode: (r) => r.bytesExact(32, "U256"),
};

type LengthWidth = 1 | 2 | 3;
const writeLength = (w: Writer, width: LengthWidth, n: number) => (width === 1 ? w.u8(n) : width === 2 ? w.u16(n) : w.u24(n));
const readLength = (r: Reader, width: LengthWidth) => (width === 1 ? r.u8() : width === 2 ? r.u16() : r.u24());

function bytesType(name: string, width: LengthWidth, max: number): Codec<Uint8Array> {
  return {
    name,
    encode: (w, v) => {
      if (!(v instanceof Uint8Array) || v.length > max) throw new Sv2Error("invalid_argument", `${name} holds at most ${max} bytes`);
      writeLength(w, width, v.length);
      w.raw(v);
    },
    decode: (r) => {
      const n = readLength(r, width);
      if (n > max) throw new Sv2Error("frame_decode_error", `${name} length ${n} exceeds ${max}`);
      return r.bytesExact(n, name);
    },
  };
}

export const B0_32 = bytesType("B0_32", 1, 32);
export const B0_255 = bytesType("B0_255", 1, 255);
export const B0_64K = bytesType("B0_64K", 2, 0xffff);
export const B0_16M = bytesType("B0_16M", 3, 0xffffff);

/** U8 length then UTF-8 bytes (not NUL-terminated); the bound is on bytes, not characters. */
export const STR0_255: Codec<string> = {
  name: "STR0_255",
  encode: (w, v) => {
    if (typeof v !== "string") throw new Sv2Error("invalid_argument", "STR0_255 must be a string");
    const bytes = w.utf8(v);
    if (bytes.length > 255) throw new Sv2Error("invalid_argument", `STR0_255 holds at most 255 bytes, got ${bytes.length}`);
    w.u8(bytes.length);
    w.raw(bytes);
  },
  decode: (r) => r.utf8(r.u8(), "STR0_255"),
};

function seq<T>(name: string, width: 1 | 2, max: number, item: Codec<T>): Codec<T[]> {
  return {
    name: `${name}[${item.name}]`,
    encode: (w, v) => {
      if (!Array.isArray(v) || v.length > max) throw new Sv2Error("invalid_argument", `${name} holds at most ${max} items`);
      writeLength(w, width, v.length);
      for (const x of v) item.encode(w, x);
    },
    decode: (r) => {
      const n = readLength(r, width);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.decode(r));
      return out;
    },
  };
}

export const SEQ0_255 = <T>(item: Codec<T>): Codec<T[]> => seq("SEQ0_255", 1, 255, item);
export const SEQ0_64K = <T>(item: Codec<T>): Codec<T[]> => seq("SEQ0_64K", 2, 0xffff, item);

/** OPTION[T] is SEQ0_1[T]: a count byte 0 (absent) or 1 then the value; any other count is invalid. */
export function OPTION<T>(item: Codec<T>): Codec<T | undefined> {
  return {
    name: `OPTION[${item.name}]`,
    encode: (w, v) => {
      if (v === undefined) {
        w.u8(0);
        return;
      }
      w.u8(1);
      item.encode(w, v);
    },
    decode: (r) => {
      const count = r.u8();
      if (count === 0) return undefined;
      if (count !== 1) throw new Sv2Error("frame_decode_error", `OPTION count must be 0 or 1, got ${count}`);
      return item.decode(r);
    },
  };
}
