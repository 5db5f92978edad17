import { describe, expect, it } from "@jest/globals";
import type { Hex } from "viem";
import {
  afterRange,
  closedSince,
  closureRead,
  type EpochLog,
  type EpochLogsIn,
  EpochWalkIncompleteError,
  walkBack,
  walkStart,
} from "./epoch-closure.js";
import { HEAD_ALLOWANCE_BLOCKS, type LogRange, REORG_MARGIN_BLOCKS } from "./log-range.js";

const limits = { maxRangeBlocks: 2_000n, startBlock: 0n };
const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const registered = (block: number, n = block): EpochLog => ({
  event: "WorkRegistered",
  blockNumber: BigInt(block),
  transactionHash: tx(n),
});
const closed = (block: number, n = block): EpochLog => ({ event: "EpochClosed", blockNumber: BigInt(block), transactionHash: tx(n) });

/**
 * A chain holding `logs` (in chain order) whose latest block is `latest`, answering log queries
 * as a node that refuses ranges wider than the limit would; it records the ranges asked for.
 */
function chain(logs: EpochLog[], latest: bigint) {
  const asked: LogRange[] = [];
  const logsIn: EpochLogsIn = async (range, events) => {
    const to = range.toBlock === "latest" ? latest : range.toBlock;
    if (to - range.fromBlock + 1n > limits.maxRangeBlocks) throw new Error(`range ${range.fromBlock}-${to} refused`);
    asked.push(range);
    return logs.filter((l) => events.includes(l.event) && l.blockNumber >= range.fromBlock && l.blockNumber <= to);
  };
  return { logsIn, asked };
}

describe("closureRead", () => {
  it("walks back when the epoch was never read unclosed, or the head is below that block", () => {
    expect(closureRead(undefined, 5_000n, limits)).toEqual({ kind: "walk" });
    expect(closureRead(5_001n, 5_000n, limits)).toEqual({ kind: "walk" });
  });

  it("else looks for EpochClosed from a reorg margin below the block it was read unclosed at, never below the start block", () => {
    expect(closureRead(4_000n, 5_000n, limits)).toEqual({ kind: "since", fromBlock: 4_000n - REORG_MARGIN_BLOCKS });
    expect(closureRead(4_000n, 5_000n, { ...limits, startBlock: 3_990n })).toEqual({ kind: "since", fromBlock: 3_990n });
  });
});

describe("the walk's steps", () => {
  it("an epoch with no registered work at the head was not closed by then", () => {
    expect(walkStart(0)).toEqual({ kind: "unclosed" });
    expect(walkStart(2)).toEqual({ kind: "continue", registrationsLeft: 2 });
  });

  it("a range's oldest EpochClosed closes it; else its registrations at or below the head are counted off", () => {
    expect(afterRange([registered(5), closed(7, 1), closed(9, 2)], 10n, 3)).toEqual({ kind: "closed", txHash: tx(1) });
    expect(afterRange([registered(5), registered(11)], 10n, 2)).toEqual({ kind: "continue", registrationsLeft: 1 });
    expect(afterRange([registered(5), registered(6)], 10n, 2)).toEqual({ kind: "unclosed" });
  });
});

describe("walkBack", () => {
  const head = 100_000n;
  const latest = head + HEAD_ALLOWANCE_BLOCKS;

  it("asks nothing of an epoch with no registered work", async () => {
    const { logsIn, asked } = chain([], latest);
    expect(await walkBack(0, head, limits, logsIn)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("finds a close ten thousand blocks back, going no further than the range holding it", async () => {
    const { logsIn, asked } = chain([registered(89_000), closed(90_000, 7)], latest);
    expect(await walkBack(1, head, limits, logsIn)).toBe(tx(7));
    expect(asked.at(-1)?.fromBlock).toBeLessThanOrEqual(90_000n);
    expect(asked.at(-1)?.fromBlock).toBeGreaterThan(90_000n - limits.maxRangeBlocks);
  });

  it("answers not closed once every registration is behind it, going no further", async () => {
    const { logsIn, asked } = chain([registered(93_000), registered(99_000)], latest);
    expect(await walkBack(2, head, limits, logsIn)).toBeUndefined();
    expect(asked.at(-1)?.fromBlock).toBeLessThanOrEqual(93_000n);
    expect(asked.at(-1)?.fromBlock).toBeGreaterThan(93_000n - limits.maxRangeBlocks);
  });

  it("finds a close that work registered after it would hide from a walk stopping at the newest registrations", async () => {
    const { logsIn } = chain([registered(80_000), closed(80_001, 3), registered(99_000)], latest);
    expect(await walkBack(2, head, limits, logsIn)).toBe(tx(3));
  });

  it("does not count a registration mined after the head the work list was read at", async () => {
    const { logsIn, asked } = chain([registered(90_000), closed(90_001, 4), registered(Number(head) + 5)], latest);
    expect(await walkBack(1, head, limits, logsIn)).toBe(tx(4));
    expect(asked.length).toBeGreaterThan(1);
  });

  it("refuses to answer when registrations are missing above the start block", async () => {
    const { logsIn } = chain([registered(50_000)], latest);
    await expect(walkBack(1, head, { ...limits, startBlock: 60_000n }, logsIn)).rejects.toBeInstanceOf(EpochWalkIncompleteError);
  });

  it("on any chain whose closes follow a registration: closed exactly when a close is at or below the head", async () => {
    let seed = 12_345;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let run = 0; run < 300; run++) {
      const top = 1 + random(30_000);
      const logs: EpochLog[] = [];
      const registrations = random(4);
      for (let i = 0; i < registrations; i++) logs.push(registered(random(top + 1), 1_000_000 + run * 10 + i));
      const first = Math.min(...logs.map((l) => Number(l.blockNumber)));
      const closes = registrations > 0 && random(2) === 1;
      if (closes) logs.push(closed(first + random(top - first + 1), run));
      if (closes && random(2) === 1) logs.push(registered(top, 2_000_000 + run));
      logs.sort((a, b) => Number(a.blockNumber - b.blockNumber));
      const { logsIn } = chain(logs, BigInt(top) + HEAD_ALLOWANCE_BLOCKS);
      const atHead = logs.filter((l) => l.event === "WorkRegistered").length;
      expect(await walkBack(atHead, BigInt(top), limits, logsIn)).toBe(closes ? tx(run) : undefined);
    }
  });
});

describe("closedSince", () => {
  it("looks range by range back to `fromBlock` and no further", async () => {
    const { logsIn, asked } = chain([closed(1_000, 1), closed(4_000, 2)], 10_000n + HEAD_ALLOWANCE_BLOCKS);
    expect(await closedSince(3_000n, 10_000n, limits, logsIn)).toBe(tx(2));
    expect(asked.at(-1)?.fromBlock).toBe(3_000n);
    expect(await closedSince(5_000n, 10_000n, limits, logsIn)).toBeUndefined();
  });
});
