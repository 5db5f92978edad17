import { BitcoinFormatError } from "./bytes.js";
import { MAX_U256, u256FromLE } from "./u256.js";

/** The difficulty-1 ("pdiff") target 0x00000000FFFF0000…, nBits 0x1d00ffff. */
export const DIFF1_TARGET = 0xffffn << 208n;

/** nBits (compact) → target. A set sign bit or an overflow past 256 bits is invalid, as in Core's SetCompact. */
export function nBitsToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) throw new BitcoinFormatError("invalid_nbits", `nBits ${bits} is not a u32`);
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if (mantissa !== 0 && (bits & 0x00800000) !== 0) throw new BitcoinFormatError("invalid_nbits", `nBits 0x${hex32(bits)} is negative`);
  const target = exponent <= 3 ? BigInt(mantissa) >> BigInt(8 * (3 - exponent)) : BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target > MAX_U256) throw new BitcoinFormatError("invalid_nbits", `nBits 0x${hex32(bits)} overflows 256 bits`);
  return target;
}

/** target → nBits, rounding down to the 23-bit mantissa exactly as Core's GetCompact. */
export function targetToNBits(target: bigint): number {
  if (target < 0n || target > MAX_U256) throw new BitcoinFormatError("invalid_u256", "target is outside 0..2^256-1");
  let size = byteLength(target);
  let compact = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  if (compact & 0x00800000) {
    compact >>>= 8;
    size += 1;
  }
  return ((size << 24) | compact) >>> 0;
}

/** difficulty = DIFF1_TARGET / target (as rust-bitcoin's difficulty_float, used by SRI). */
export function targetToDifficulty(target: bigint): number {
  if (target <= 0n) throw new BitcoinFormatError("invalid_target", "target must be positive");
  return bigRatio(DIFF1_TARGET, target);
}

/** target = DIFF1_TARGET / difficulty, exact for the given double, capped at 2^256−1. */
export function difficultyToTarget(difficulty: number): bigint {
  if (!Number.isFinite(difficulty) || difficulty <= 0)
    throw new BitcoinFormatError("invalid_difficulty", `difficulty ${difficulty} must be finite and > 0`);
  const { mantissa, exponent } = decomposeDouble(difficulty);
  const target = exponent >= 0 ? DIFF1_TARGET / (mantissa << BigInt(exponent)) : (DIFF1_TARGET << BigInt(-exponent)) / mantissa;
  return target > MAX_U256 ? MAX_U256 : target;
}

/** A raw (little-endian) 32-byte hash meets the target when, read as a U256, it is ≤ target. */
export function hashMeetsTarget(hashRaw: Uint8Array, target: bigint): boolean {
  return u256FromLE(hashRaw) <= target;
}

/**
 * SRI's hash_rate_to_target: the target at which a device of `hashRate` H/s finds
 * `sharesPerMinute` shares a minute. hs = trunc_u128(h·60/spm); target = (2^256−1−hs)/(hs+1).
 */
export function hashRateToTarget(hashRate: number, sharesPerMinute: number): bigint {
  if (!Number.isFinite(hashRate) || hashRate < 0)
    throw new BitcoinFormatError("invalid_hash_rate", `hash rate ${hashRate} must be finite and ≥ 0`);
  if (!Number.isFinite(sharesPerMinute) || sharesPerMinute <= 0) {
    throw new BitcoinFormatError("invalid_shares_per_minute", `shares per minute ${sharesPerMinute} must be finite and > 0`);
  }
  const secondsPerShare = 60 / sharesPerMinute;
  const product = hashRate * secondsPerShare;
  const U128_MAX = (1n << 128n) - 1n;
  // Rust's `as u128` truncates toward zero and saturates; BigInt(Math.trunc(x)) is exact for any finite double.
  const hs = Number.isFinite(product) ? minBig(BigInt(Math.trunc(product)), U128_MAX) : U128_MAX;
  return (MAX_U256 - hs) / (hs + 1n);
}

/** Inverse of hashRateToTarget (SRI's hash_rate_from_target): h = (2^256 − t) / ((t + 1) · s). */
export function hashRateFromTarget(target: bigint, sharesPerMinute: number): number {
  if (target < 0n || target > MAX_U256) throw new BitcoinFormatError("invalid_u256", "target is outside 0..2^256-1");
  if (!Number.isFinite(sharesPerMinute) || sharesPerMinute <= 0) {
    throw new BitcoinFormatError("invalid_shares_per_minute", `shares per minute ${sharesPerMinute} must be finite and > 0`);
  }
  const secondsPerShare = 60 / sharesPerMinute;
  return bigRatio((1n << 256n) - target, target + 1n) / secondsPerShare;
}

function bigRatio(numerator: bigint, denominator: bigint): number {
  // Scale so the integer quotient keeps ~64 significant bits before converting to a double.
  const shift = Math.max(0, 64 - (bitLength(numerator) - bitLength(denominator)));
  return Number((numerator << BigInt(shift)) / denominator) / 2 ** shift;
}

function decomposeDouble(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const rawExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (rawExponent === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: rawExponent - 1075 };
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function byteLength(value: bigint): number {
  return Math.ceil(bitLength(value) / 8);
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, "0");
}
