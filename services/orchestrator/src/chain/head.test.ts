import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { ChainHead, confirmationNeedsHead, headIsFresh, pendingCheckDue } from "./head.js";

describe("pendingCheckDue", () => {
  const RECHECK = 1_000;

  it("checks a transaction never seen pending, and the first time after a check that read no head", () => {
    expect(pendingCheckDue(undefined, 10n, 0, RECHECK)).toBe(true);
    expect(pendingCheckDue({ head: undefined, at: 0 }, 10n, 1, RECHECK)).toBe(true);
  });

  it("waits for a new block: the same head cannot hold a receipt the last check did not see", () => {
    expect(pendingCheckDue({ head: 10n, at: 0 }, 10n, RECHECK - 1, RECHECK)).toBe(false);
    expect(pendingCheckDue({ head: 10n, at: 0 }, 11n, 1, RECHECK)).toBe(true);
  });

  it("checks on any other head (a reorg may lower it)", () => {
    expect(pendingCheckDue({ head: 10n, at: 0 }, 9n, 1, RECHECK)).toBe(true);
  });

  it("still checks every recheck period without a block, so a dropped or stuck transaction is seen", () => {
    expect(pendingCheckDue({ head: 10n, at: 0 }, 10n, RECHECK, RECHECK)).toBe(true);
  });
});

describe("confirmationNeedsHead", () => {
  it("needs no head for one confirmation: the receipt's own block counts", () => {
    expect(confirmationNeedsHead(1)).toBe(false);
    expect(confirmationNeedsHead(2)).toBe(true);
  });
});

describe("headIsFresh", () => {
  it("holds for less than the maximum age", () => {
    expect(headIsFresh(100, 149, 50)).toBe(true);
    expect(headIsFresh(100, 150, 50)).toBe(false);
  });
});

describe("ChainHead", () => {
  function counting(heads: bigint[]) {
    let reads = 0;
    const read = async () => heads[Math.min(reads++, heads.length - 1)] as bigint;
    return { read, reads: () => reads };
  }

  it("serves every caller within the maximum age from one read", async () => {
    const clock = new ManualClock(0);
    const source = counting([5n, 6n]);
    const head = new ChainHead(source.read, 100, clock);
    expect(await Promise.all([head.latest(), head.latest(), head.latest()])).toEqual([5n, 5n, 5n]);
    clock.advance(99);
    expect(await head.latest()).toBe(5n);
    expect(source.reads()).toBe(1);
  });

  it("reads again once the last read is as old as the maximum age", async () => {
    const clock = new ManualClock(0);
    const source = counting([5n, 6n]);
    const head = new ChainHead(source.read, 100, clock);
    await head.latest();
    clock.advance(100);
    expect(await head.latest()).toBe(6n);
    expect(source.reads()).toBe(2);
  });

  it("does not keep a failed read: the next caller reads again", async () => {
    const clock = new ManualClock(0);
    let fail = true;
    const head = new ChainHead(
      async () => {
        if (fail) throw new Error("node unavailable");
        return 7n;
      },
      100,
      clock,
    );
    await expect(head.latest()).rejects.toThrow("node unavailable");
    fail = false;
    expect(await head.latest()).toBe(7n);
  });
});
