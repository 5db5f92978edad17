import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { BitcoinFormatError } from "./bytes.js";
import {
  DIFF1_TARGET,
  difficultyToTarget,
  hashMeetsTarget,
  hashRateFromTarget,
  hashRateToTarget,
  nBitsToTarget,
  targetToDifficulty,
  targetToNBits,
} from "./target.js";
import { compareLE, MAX_U256, u256FromLE, u256ToLE } from "./u256.js";

const u256 = fc.bigInt({ min: 0n, max: MAX_U256 });

describe("nBits", () => {
  it("0x1d00ffff is the difficulty-1 target", () => {
    expect(nBitsToTarget(0x1d00ffff)).toBe(DIFF1_TARGET);
    expect(targetToDifficulty(DIFF1_TARGET)).toBe(1);
    expect(targetToNBits(DIFF1_TARGET)).toBe(0x1d00ffff);
  });

  it("regtest 0x207fffff is 0x7fffff·2^232", () => {
    expect(nBitsToTarget(0x207fffff)).toBe(0x7fffffn << 232n);
  });

  it("small exponents shift the mantissa right", () => {
    expect(nBitsToTarget(0x01123456)).toBe(0x12n);
    expect(nBitsToTarget(0x02123456)).toBe(0x1234n);
    expect(nBitsToTarget(0x03123456)).toBe(0x123456n);
  });

  it("rejects a negative mantissa and an overflow", () => {
    expect(() => nBitsToTarget(0x1d80ffff)).toThrow(BitcoinFormatError);
    expect(() => nBitsToTarget(0xff7fffff)).toThrow(/overflows/);
  });

  it("targetToNBits keeps the sign bit clear by growing the exponent", () => {
    expect(targetToNBits(0x80n)).toBe(0x02008000);
    expect(nBitsToTarget(0x02008000)).toBe(0x80n);
  });

  it("round-trips: nBits(target) decodes to target truncated to the mantissa's precision, never above it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 255n) - 1n }), (target) => {
        const bits = targetToNBits(target);
        const back = nBitsToTarget(bits);
        expect(back <= target).toBe(true);
        // The mantissa holds 3 bytes, or 2 when the top byte would set the sign bit; the exponent says which.
        const exponent = bits >>> 24;
        const granularity = exponent > 3 ? 1n << BigInt(8 * (exponent - 3)) : 1n;
        expect(target - back < granularity).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("difficulty", () => {
  it("difficultyToTarget inverts targetToDifficulty within float precision", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e15, noNaN: true }), (difficulty) => {
        const back = targetToDifficulty(difficultyToTarget(difficulty));
        expect(Math.abs(back - difficulty) / difficulty).toBeLessThan(1e-12);
      }),
    );
  });

  it("rejects non-positive difficulty and target", () => {
    expect(() => difficultyToTarget(0)).toThrow(BitcoinFormatError);
    expect(() => difficultyToTarget(Number.NaN)).toThrow(BitcoinFormatError);
    expect(() => targetToDifficulty(0n)).toThrow(BitcoinFormatError);
  });
});

describe("little-endian U256", () => {
  it("compareLE agrees with bigint comparison", () => {
    fc.assert(
      fc.property(u256, u256, (a, b) => {
        const expected = a < b ? -1 : a > b ? 1 : 0;
        expect(compareLE(u256ToLE(a), u256ToLE(b))).toBe(expected);
        expect(u256FromLE(u256ToLE(a))).toBe(a);
      }),
    );
  });

  it("reads and writes the bytes least significant first, from any offset", () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const value = BigInt(
      `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
        .reverse()
        .join("")}`,
    );
    expect(u256FromLE(bytes)).toBe(value);
    expect(u256ToLE(value)).toEqual(bytes);
    const shifted = new Uint8Array(40);
    shifted.set(bytes, 5);
    expect(u256FromLE(shifted.subarray(5, 37))).toBe(value);
    expect(u256ToLE(MAX_U256)).toEqual(new Uint8Array(32).fill(0xff));
    expect(() => u256ToLE(MAX_U256 + 1n)).toThrow(BitcoinFormatError);
  });

  it("the most significant byte is the last one", () => {
    const high = new Uint8Array(32);
    high[31] = 1;
    const low = new Uint8Array(32).fill(0xff);
    low[31] = 0;
    expect(compareLE(high, low)).toBe(1);
  });

  it("a hash equal to the target meets it (inclusive), one above does not", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_U256 - 1n }), (t) => {
        expect(hashMeetsTarget(u256ToLE(t), t)).toBe(true);
        expect(hashMeetsTarget(u256ToLE(t + 1n), t)).toBe(false);
      }),
    );
  });
});

describe("hash rate ↔ target", () => {
  it("hashRateFromTarget inverts hashRateToTarget for rates giving ≥ 1000 hashes a share", () => {
    fc.assert(
      fc.property(fc.double({ min: 100, max: 1e18, noNaN: true }), fc.double({ min: 0.1, max: 60, noNaN: true }), (rate, spm) => {
        const back = hashRateFromTarget(hashRateToTarget(rate, spm), spm);
        expect(Math.abs(back - rate) / rate).toBeLessThan(1e-2);
      }),
    );
  });

  it("a faster device gets a target no easier than a slower one", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e18, noNaN: true }), fc.double({ min: 1, max: 1e18, noNaN: true }), (a, b) => {
        const [slow, fast] = a < b ? [a, b] : [b, a];
        expect(hashRateToTarget(fast, 6) <= hashRateToTarget(slow, 6)).toBe(true);
      }),
    );
  });

  it("zero hash rate gives the maximum target; bad inputs are typed errors", () => {
    expect(hashRateToTarget(0, 6)).toBe(MAX_U256);
    expect(() => hashRateToTarget(-1, 6)).toThrow(BitcoinFormatError);
    expect(() => hashRateToTarget(1, 0)).toThrow(BitcoinFormatError);
    expect(() => hashRateFromTarget(1n, -1)).toThrow(BitcoinFormatError);
  });

  it("saturates like Rust's `as u128` for absurd rates", () => {
    expect(hashRateToTarget(1e40, 6)).toBe((MAX_U256 - ((1n << 128n) - 1n)) / (1n << 128n));
    expect(hashRateToTarget(Number.MAX_VALUE, 1e-300)).toBe(hashRateToTarget(1e40, 6));
  });
});
