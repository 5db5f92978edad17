import { describe, expect, it } from "@jest/globals";
import { bumpFee, DEFAULT_PRIORITY_FEE, gasLimit, initialFees, replacementFees } from "./fees.js";

const GWEI = 1_000_000_000n;

describe("fees", () => {
  it("a first send offers the default tip and room for the base fee to double", () => {
    expect(initialFees(10n * GWEI)).toEqual({ maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: DEFAULT_PRIORITY_FEE });
    expect(initialFees(0n)).toEqual({ maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI });
  });

  it("a bump is 12.5 % and one wei, above the 10 % nodes require, and raises even a zero fee", () => {
    expect(bumpFee(1_000n)).toBe(1_126n);
    expect(bumpFee(0n)).toBe(1n);
    for (const fee of [1n, 7n, GWEI, 123_456_789_012n]) expect(bumpFee(fee) * 10n).toBeGreaterThanOrEqual(fee * 11n);
  });

  it("a replacement bumps both fees while the base fee is flat", () => {
    const previous = initialFees(10n * GWEI);
    expect(replacementFees(previous, 10n * GWEI)).toEqual({
      maxFeePerGas: bumpFee(21n * GWEI),
      maxPriorityFeePerGas: bumpFee(GWEI),
    });
  });

  it("a replacement's cap follows a base fee that rose past the bump", () => {
    const previous = initialFees(10n * GWEI);
    const tip = bumpFee(GWEI);
    expect(replacementFees(previous, 50n * GWEI)).toEqual({ maxFeePerGas: 100n * GWEI + tip, maxPriorityFeePerGas: tip });
  });

  it("signs 20 % more gas than the estimate", () => {
    expect(gasLimit(100_000n)).toBe(120_000n);
    expect(gasLimit(21_001n)).toBe(25_201n);
  });
});
