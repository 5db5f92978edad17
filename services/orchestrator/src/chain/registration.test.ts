import { describe, expect, it } from "@jest/globals";
import { HEAD_ALLOWANCE_BLOCKS, REORG_MARGIN_BLOCKS } from "./log-range.js";
import { registrationRead } from "./registration.js";

const limits = { maxRangeBlocks: 2_000n, startBlock: 0n };

describe("registrationRead", () => {
  it("reads the epoch's work list when the epoch was never read", () => {
    expect(registrationRead(undefined, 1_000n, limits)).toEqual({ kind: "list" });
  });

  it("looks for the epoch's registrations from a reorg margin below the head it was last read at", () => {
    expect(registrationRead(1_000n, 1_010n, limits)).toEqual({ kind: "logs", fromBlock: 1_000n - REORG_MARGIN_BLOCKS });
  });

  it("never starts a log query below block 0 or the start block", () => {
    expect(registrationRead(3n, 5n, limits)).toEqual({ kind: "logs", fromBlock: 0n });
    expect(registrationRead(1_000n, 1_010n, { ...limits, startBlock: 990n })).toEqual({ kind: "logs", fromBlock: 990n });
  });

  it("reads the list again when the head is below that block (the chain went back, or another chain)", () => {
    expect(registrationRead(1_000n, 999n, limits)).toEqual({ kind: "list" });
  });

  it("reads the list again rather than make a query wider than the node allows", () => {
    const at = 10_000n;
    const from = at - REORG_MARGIN_BLOCKS;
    const widest = from + limits.maxRangeBlocks - HEAD_ALLOWANCE_BLOCKS - 1n;
    expect(registrationRead(at, widest, limits)).toEqual({ kind: "logs", fromBlock: from });
    expect(registrationRead(at, widest + 1n, limits)).toEqual({ kind: "list" });
  });
});
