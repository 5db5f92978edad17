import { describe, expect, it } from "@jest/globals";
import { fitsOneQuery, HEAD_ALLOWANCE_BLOCKS, type LogRange, REORG_MARGIN_BLOCKS, rangesNewestFirst, resumeFrom } from "./log-range.js";

const limits = { maxRangeBlocks: 2_000n, startBlock: 0n };
/** The blocks a range covers when the node's latest is `latest`. */
const width = (range: LogRange, latest: bigint) => (range.toBlock === "latest" ? latest : range.toBlock) - range.fromBlock + 1n;

describe("resumeFrom", () => {
  it("starts a reorg margin below the block a log was last seen absent at", () => {
    expect(resumeFrom(1_000n, limits)).toBe(1_000n - REORG_MARGIN_BLOCKS);
  });

  it("never below the start block, nor below block 0", () => {
    expect(resumeFrom(3n, limits)).toBe(0n);
    expect(resumeFrom(1_000n, { ...limits, startBlock: 990n })).toBe(990n);
  });
});

describe("rangesNewestFirst", () => {
  it("covers every block from `from` to latest exactly once, newest first, no range wider than allowed", () => {
    const head = 10_000n;
    const ranges = [...rangesNewestFirst(1_234n, head, limits)];
    expect(ranges[0]?.toBlock).toBe("latest");
    // The node's latest may have moved past the head read before by up to the allowance.
    const latest = head + HEAD_ALLOWANCE_BLOCKS;
    for (const range of ranges) expect(width(range, latest)).toBeLessThanOrEqual(limits.maxRangeBlocks);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.toBlock).toBe((ranges[i - 1]?.fromBlock ?? 0n) - 1n);
    expect(ranges[ranges.length - 1]?.fromBlock).toBe(1_234n);
    expect(ranges).toHaveLength(5);
  });

  it("is one range when the blocks since `from` fit, and when `from` is above the head", () => {
    expect([...rangesNewestFirst(9_900n, 10_000n, limits)]).toEqual([{ fromBlock: 9_900n, toBlock: "latest" }]);
    expect([...rangesNewestFirst(10_050n, 10_000n, limits)]).toEqual([{ fromBlock: 10_050n, toBlock: "latest" }]);
  });

  it("builds only the ranges a walk asks for, so a walk from block 0 that stops early costs nothing more", () => {
    const ranges = rangesNewestFirst(0n, 1_000_000_000n, limits);
    expect(ranges.next().value).toEqual({ fromBlock: 1_000_000_000n - (2_000n - HEAD_ALLOWANCE_BLOCKS) + 1n, toBlock: "latest" });
    expect(ranges.next().value).toEqual({
      fromBlock: 1_000_000_000n - (2_000n - HEAD_ALLOWANCE_BLOCKS) - 2_000n + 1n,
      toBlock: 1_000_000_000n - (2_000n - HEAD_ALLOWANCE_BLOCKS),
    });
  });
});

describe("fitsOneQuery", () => {
  it("is whether rangesNewestFirst makes a single range", () => {
    for (const from of [7_000n, 8_015n, 8_016n, 8_017n, 9_999n]) {
      expect(fitsOneQuery(from, 10_000n, limits)).toBe([...rangesNewestFirst(from, 10_000n, limits)].length === 1);
    }
    expect(fitsOneQuery(8_016n, 10_000n, limits)).toBe(false);
    expect(fitsOneQuery(8_017n, 10_000n, limits)).toBe(true);
  });
});
