import { BitcoinFormatError } from "./bytes.js";

/** 256-bit unsigned integers as bigint; SV2 and header hashes carry them as 32 little-endian bytes. */
export const MAX_U256 = (1n << 256n) - 1n;

export function u256FromLE(bytes: Uint8Array): bigint {
  if (bytes.length !== 32) throw new BitcoinFormatError("invalid_u256", `a U256 is 32 bytes, got ${bytes.length}`);
  // Four 64-bit limbs: a handful of bigints instead of two per byte (the edge reads one per share).
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  return (
    (view.getBigUint64(24, true) << 192n) |
    (view.getBigUint64(16, true) << 128n) |
    (view.getBigUint64(8, true) << 64n) |
    view.getBigUint64(0, true)
  );
}

/** Four 64-bit limbs, as u256FromLE reads them. */
export function u256ToLE(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_U256) throw new BitcoinFormatError("invalid_u256", "value is outside 0..2^256-1");
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt.asUintN(64, value), true);
  view.setBigUint64(8, BigInt.asUintN(64, value >> 64n), true);
  view.setBigUint64(16, BigInt.asUintN(64, value >> 128n), true);
  view.setBigUint64(24, value >> 192n, true);
  return out;
}

export function u256FromBEHex(hex: string): bigint {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new BitcoinFormatError("invalid_u256", "a big-endian U256 is 64 hex characters");
  return BigInt(`0x${hex}`);
}

export function u256ToBEHex(value: bigint): string {
  if (value < 0n || value > MAX_U256) throw new BitcoinFormatError("invalid_u256", "value is outside 0..2^256-1");
  return value.toString(16).padStart(64, "0");
}

/** Compares two 32-byte little-endian U256 without converting: most significant byte is the last. */
export function compareLE(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  if (a.length !== 32 || b.length !== 32) throw new BitcoinFormatError("invalid_u256", "compareLE needs two 32-byte values");
  for (let i = 31; i >= 0; i--) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
