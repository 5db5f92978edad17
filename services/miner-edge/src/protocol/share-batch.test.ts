import { describe, expect, it } from "@jest/globals";
import { ShareBatch } from "./share-batch.js";

function reported(batch: ShareBatch, difficulty: number, shares: number, batchSize: number): bigint[] {
  const sums: bigint[] = [];
  for (let seq = 1; seq <= shares; seq++) {
    batch.add(seq, difficulty);
    if (batch.count >= batchSize) sums.push(batch.acknowledge().newSharesSum);
  }
  return sums;
}

describe("ShareBatch (SubmitShares.Success count and new_shares_sum)", () => {
  it("reports each batch's count, last sequence number and difficulty sum, then starts a new batch", () => {
    const batch = new ShareBatch();
    batch.add(7, 2);
    batch.add(9, 3);
    expect(batch.acknowledge()).toEqual({ lastSequenceNumber: 9, newSubmitsAcceptedCount: 2, newSharesSum: 5n });
    batch.add(10, 4);
    expect(batch.acknowledge()).toEqual({ lastSequenceNumber: 10, newSubmitsAcceptedCount: 1, newSharesSum: 4n });
  });

  it("at fractional difficulty carries the fraction on, so the reported sums add up to the difficulty accepted", () => {
    const sums = reported(new ShareBatch(), 0.25, 40, 1);
    expect(sums.reduce((a, b) => a + b, 0n)).toBe(10n);
    expect(sums.slice(0, 4)).toEqual([0n, 0n, 0n, 1n]);
    const batched = reported(new ShareBatch(), 0.3, 100, 7);
    expect(batched.reduce((a, b) => a + b, 0n)).toBe(BigInt(Math.floor(0.3 * 98)));
  });

  it("never reports more than was accepted, however small the difficulty", () => {
    const sums = reported(new ShareBatch(), 1e-6, 10_000, 1);
    expect(sums.every((s) => s === 0n)).toBe(true);
    const exact = reported(new ShareBatch(), 1 / 3, 3_000, 3);
    expect(exact.reduce((a, b) => a + b, 0n)).toBeGreaterThanOrEqual(999n);
    expect(exact.reduce((a, b) => a + b, 0n)).toBeLessThanOrEqual(1000n);
  });
});
