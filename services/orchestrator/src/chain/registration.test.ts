import { describe, expect, it } from "@jest/globals";
import { MAX_LOG_RANGE_BLOCKS, REORG_MARGIN_BLOCKS, registrationRead } from "./registration.js";

describe("registrationRead", () => {
  it("reads the epoch's work list when the work was never read unregistered", () => {
    expect(registrationRead(undefined, 1_000n)).toEqual({ kind: "list" });
  });

  it("looks for the work's log from a reorg margin below the block it was read unregistered at", () => {
    expect(registrationRead(1_000n, 1_010n)).toEqual({ kind: "logs", fromBlock: 1_000n - REORG_MARGIN_BLOCKS });
  });

  it("never starts a log query below block 0", () => {
    expect(registrationRead(3n, 5n)).toEqual({ kind: "logs", fromBlock: 0n });
  });

  it("reads the list again when the head is below that block (the chain went back, or another chain)", () => {
    expect(registrationRead(1_000n, 999n)).toEqual({ kind: "list" });
  });

  it("reads the list again rather than query more than MAX_LOG_RANGE_BLOCKS", () => {
    const at = 10_000n;
    const widest = at - REORG_MARGIN_BLOCKS + MAX_LOG_RANGE_BLOCKS;
    expect(registrationRead(at, widest)).toEqual({ kind: "logs", fromBlock: at - REORG_MARGIN_BLOCKS });
    expect(registrationRead(at, widest + 1n)).toEqual({ kind: "list" });
  });
});
