import { describe, expect, it } from "@jest/globals";
import { type ObservedBlock, type PathFacts, resultMatchesCore, summarizePath } from "./checks.js";

const inChain = (hash: string, size: number): ObservedBlock => ({
  hash,
  height: 200,
  result: { accepted: true, rejectReason: "" },
  core: { known: true, activeChain: true, size },
});

const facts = (blocks: ObservedBlock[], overrides: Partial<PathFacts> = {}): PathFacts => ({
  path: "rpc",
  mempool: { transactions: 1100, bytes: 1_700_000, vsize: 800_000 },
  mempoolToTemplateMs: 4_000,
  blocks,
  ...overrides,
});

describe("resultMatchesCore", () => {
  it("holds when accepted exactly when the block is in the active chain", () => {
    expect(resultMatchesCore(inChain("a", 1))).toBe(true);
    const staleReportedRejected: ObservedBlock = {
      hash: "b",
      height: 200,
      result: { accepted: false, rejectReason: "inconclusive" },
      core: { known: true, activeChain: false, branchStatus: "valid-fork" },
    };
    expect(resultMatchesCore(staleReportedRejected)).toBe(true);
  });

  it("fails for a block Core took but Gatehouse called rejected, and for a block with no result", () => {
    expect(resultMatchesCore({ ...inChain("c", 1), result: { accepted: false, rejectReason: "inconclusive" } })).toBe(false);
    const { result: _, ...noResult } = inChain("d", 1);
    expect(resultMatchesCore(noResult)).toBe(false);
  });
});

describe("summarizePath", () => {
  it("passes a path with a mainnet-size block accepted, a prompt template and every result matching", () => {
    const summary = summarizePath(facts([inChain("a", 1_650_000), inChain("b", 250)]));
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({
      blocksFound: 2,
      blocksAcceptedByCore: 2,
      bigBlocksAccepted: 1,
      largestAcceptedBytes: 1_650_000,
      resultsMatching: 2,
    });
  });

  it("names each failed check", () => {
    const rejectedButInChain: ObservedBlock = {
      ...inChain("e", 900_000),
      result: { accepted: false, rejectReason: "inconclusive", nodeAnswer: "none" },
    };
    const summary = summarizePath(
      facts([rejectedButInChain], { mempoolToTemplateMs: null, mempool: { transactions: 10, bytes: 15_000, vsize: 7_000 } }),
    );
    expect(summary.failures).toEqual([
      "rpc: mempool filled with 15000 bytes, below 1500000",
      "rpc: no template carried the mempool's transactions",
      "rpc: no block of 1500000 bytes or more reached Core's active chain (largest: 900000)",
      "rpc: 1 of 1 reported results differ from Core's chain",
    ]);
    expect(summary.mismatches).toEqual([
      "block 200 e: reported rejected: inconclusive (node answered none), but Core has it in the active chain",
    ]);
  });

  it("fails a template that took longer than one long-poll cycle, and a path that found nothing", () => {
    const summary = summarizePath(facts([], { mempoolToTemplateMs: 125_000 }));
    expect(summary.failures).toContain("rpc: mempool to template took 125000 ms, more than one long-poll cycle (70000 ms)");
    expect(summary.failures).toContain("rpc: no block was found through Gatehouse");
  });

  it("counts a block Core never received as not accepted", () => {
    const lost: ObservedBlock = {
      hash: "f",
      height: 201,
      result: { accepted: true, rejectReason: "" },
      core: { known: false, activeChain: false },
    };
    const summary = summarizePath(facts([inChain("a", 1_600_000), lost]));
    expect(summary.mismatches).toEqual(["block 201 f: reported accepted, but Core does not have it"]);
    expect(summary.blocksAcceptedByCore).toBe(1);
  });
});
