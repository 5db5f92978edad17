import { Sv2Error } from "../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bounds-checked little-endian cursor over one payload; every overrun is a frame_decode_error. */
export class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number, what: string): number {
    if (this.offset + n > this.bytes.length) {
      throw new Sv2Error("frame_decode_error", `${what} needs ${n} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.need(1, "U8"));
  }
  u16(): number {
    return this.view.getUint16(this.need(2, "U16"), true);
  }
  u24(): number {
    const at = this.need(3, "U24");
    return this.view.getUint16(at, true) | (this.view.getUint8(at + 2) << 16);
  }
  u32(): number {
    return this.view.getUint32(this.need(4, "U32"), true);
  }
  u64(): bigint {
    return this.view.getBigUint64(this.need(8, "U64"), true);
  }
  f32(): number {
    return this.view.getFloat32(this.need(4, "F32"), true);
  }
  /** Only the least significant bit carries the value; receivers ignore the other seven. */
  bool(): boolean {
    return (this.u8() & 1) === 1;
  }
  /** Copies, so decoded messages never alias a reused receive buffer. */
  bytesExact(n: number, what: string): Uint8Array {
    const at = this.need(n, what);
    return this.bytes.slice(at, at + n);
  }
  utf8(n: number, what: string): string {
    const at = this.need(n, what);
    try {
      return utf8.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new Sv2Error("frame_decode_error", `${what} is not valid UTF-8`);
    }
  }
  end(what: string): void {
    if (this.remaining !== 0) throw new Sv2Error("frame_decode_error", `${this.remaining} trailing bytes after ${what}`);
  }
}
