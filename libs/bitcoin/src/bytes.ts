/** Byte helpers shared by the other modules: hex, byte-order reversal, little-endian integers. */

/** Bytes or values that are not in a Bitcoin format (`reason`: a machine-readable code such as `truncated`). */
export class BitcoinFormatError extends Error {
  // Typed string, not the literal, so BlockTemplateError can name itself too.
  override readonly name: string = "BitcoinFormatError";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

export function fromHex(hex: string, what = "hex"): Uint8Array {
  if (!HEX_RE.test(hex)) throw new BitcoinFormatError("invalid_hex", `${what} is not an even-length hex string`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function reversed(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse();
}

/** Display (block-explorer, RPC) hex of a 32-byte hash → its raw byte order. */
export function hashFromDisplay(displayHex: string, what = "hash"): Uint8Array {
  const raw = fromHex(displayHex, what);
  if (raw.length !== 32) throw new BitcoinFormatError("invalid_hash_length", `${what} must be 32 bytes, got ${raw.length}`);
  return raw.reverse();
}

/** Raw 32-byte hash → display hex (reversed). */
export function hashToDisplay(raw: Uint8Array): string {
  return toHex(reversed(raw));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

export function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** Bitcoin CompactSize ("varint"). */
export function compactSize(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new BitcoinFormatError("invalid_varint", `cannot encode ${value} as a CompactSize`);
  if (value < 0xfd) return Uint8Array.of(value);
  if (value <= 0xffff) return Uint8Array.of(0xfd, value & 0xff, value >>> 8);
  if (value <= 0xffffffff) return concat([Uint8Array.of(0xfe), u32le(value)]);
  return concat([Uint8Array.of(0xff), u64le(BigInt(value))]);
}

/** A bounds-checked little-endian reader; every overrun is a BitcoinFormatError, never a RangeError. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new BitcoinFormatError("truncated", `${this.what} is truncated at byte ${this.offset} (needs ${n} more)`);
    }
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  bytesOf(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /**
   * A CompactSize in its shortest encoding only, as Bitcoin Core's ReadCompactSize requires
   * ("non-canonical ReadCompactSize()"): so a transaction's bytes are exactly what serializing it
   * gives, and its ids can be hashed from the bytes it arrived as.
   */
  compactSize(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    let v: number;
    let least: number;
    if (first === 0xfd) {
      this.need(2);
      v = this.view.getUint16(this.offset, true);
      this.offset += 2;
      least = 0xfd;
    } else if (first === 0xfe) {
      v = this.u32();
      least = 0x1_0000;
    } else {
      const big = this.u64();
      if (big > BigInt(Number.MAX_SAFE_INTEGER))
        throw new BitcoinFormatError("invalid_varint", `${this.what} has an oversized CompactSize`);
      v = Number(big);
      least = 0x1_0000_0000;
    }
    if (v < least)
      throw new BitcoinFormatError(
        "invalid_varint",
        `${this.what} has a non-canonical CompactSize (${v} after prefix 0x${first.toString(16)})`,
      );
    return v;
  }

  /** A CompactSize count that cannot exceed what the rest of the buffer could hold (each item ≥ minItemBytes). */
  count(minItemBytes: number): number {
    const n = this.compactSize();
    if (n * minItemBytes > this.remaining) {
      throw new BitcoinFormatError("truncated", `${this.what} declares ${n} items but only ${this.remaining} bytes remain`);
    }
    return n;
  }

  slice(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
}
