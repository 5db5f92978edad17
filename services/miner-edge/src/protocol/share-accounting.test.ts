import { describe, expect, it } from "@jest/globals";
import { ShareAccounting } from "./share-accounting.js";

describe("ShareAccounting", () => {
  it("acknowledges each share when the batch size is 1", () => {
    const shares = new ShareAccounting(1);
    expect(shares.accept(4, 2, false)).toEqual({ lastSequenceNumber: 4, newSubmitsAcceptedCount: 1, newSharesSum: 2n });
    expect(shares.accept(5, 3, false)).toEqual({ lastSequenceNumber: 5, newSubmitsAcceptedCount: 1, newSharesSum: 3n });
    expect(shares.accepted).toBe(2);
    expect(shares.sharesSum).toBe(5);
  });

  it("holds shares until the batch is full, then acknowledges them together", () => {
    const shares = new ShareAccounting(3);
    expect(shares.accept(1, 1, false)).toBeUndefined();
    expect(shares.accept(2, 1, false)).toBeUndefined();
    expect(shares.accept(3, 1, false)).toEqual({ lastSequenceNumber: 3, newSubmitsAcceptedCount: 3, newSharesSum: 3n });
    expect(shares.accept(4, 1, false)).toBeUndefined();
  });

  it("acknowledges a block at once, with the shares batched before it", () => {
    const shares = new ShareAccounting(10);
    shares.accept(1, 2, false);
    expect(shares.accept(2, 2, true)).toEqual({ lastSequenceNumber: 2, newSubmitsAcceptedCount: 2, newSharesSum: 4n });
  });

  it("counts rejections apart from the accepted shares and their sum", () => {
    const shares = new ShareAccounting(1);
    shares.reject();
    shares.reject();
    shares.accept(1, 0.5, false);
    expect({ accepted: shares.accepted, rejected: shares.rejected, sum: shares.sharesSum }).toEqual({ accepted: 1, rejected: 2, sum: 0.5 });
  });
});
