import { Sv2Error } from "../errors.js";

const utf8 = new TextEncoder();

/** Growable little-endian writer; validates ranges so an encoder never emits a value a decoder rejects. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initial = 64) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Reserves n bytes and returns their offset; callers must read this.buf/this.view only after it. */
  private ensure(n: number): number {
    if (this.offset + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.offset + n));
      next.set(this.buf.subarray(0, this.offset));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  private int(value: number, max: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new Sv2Error("invalid_argument", `${what} must be an integer in 0..${max}, got ${value}`);
    }
  }

  u8(v: number): void {
    this.int(v, 0xff, "U8");
    const at = this.ensure(1);
    this.view.setUint8(at, v);
  }
  u16(v: number): void {
    this.int(v, 0xffff, "U16");
    const at = this.ensure(2);
    this.view.setUint16(at, v, true);
  }
  u24(v: number): void {
    this.int(v, 0xffffff, "U24");
    const at = this.ensure(3);
    this.view.setUint16(at, v & 0xffff, true);
    this.view.setUint8(at + 2, v >>> 16);
  }
  u32(v: number): void {
    this.int(v, 0xffffffff, "U32");
    const at = this.ensure(4);
    this.view.setUint32(at, v, true);
  }
  u64(v: bigint): void {
    if (typeof v !== "bigint" || v < 0n || v > 0xffffffffffffffffn) throw new Sv2Error("invalid_argument", `U64 out of range: ${v}`);
    const at = this.ensure(8);
    this.view.setBigUint64(at, v, true);
  }
  f32(v: number): void {
    if (typeof v !== "number") throw new Sv2Error("invalid_argument", "F32 must be a number");
    const at = this.ensure(4);
    this.view.setFloat32(at, v, true);
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  raw(bytes: Uint8Array): void {
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
  }
  utf8(s: string): Uint8Array {
    return utf8.encode(s);
  }
  /** A view of what was written; the writer must not be reused afterwards. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }
}
