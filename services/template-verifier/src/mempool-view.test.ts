import { describe, expect, it } from "@jest/globals";
import { type MempoolPoll, MempoolTracker, mempoolReadiness } from "./mempool-view.js";

const timings = { staleAfterMs: 60_000, degradedAfterMs: 120_000 };

/** A poller answered by the test, one answer per request, that tells the test when it is asked. */
function scriptedPoller() {
  const requests: ((poll: MempoolPoll) => void)[] = [];
  let onRequest = () => {};
  return {
    poller: () =>
      new Promise<MempoolPoll>((resolve) => {
        requests.push(resolve);
        onRequest();
      }),
    /** Resolves once the poller has had `count` requests. */
    requested: (count: number) =>
      new Promise<void>((resolve) => {
        onRequest = () => {
          if (requests.length >= count) resolve();
        };
        onRequest();
      }),
    answer: (request: number, poll: MempoolPoll) => requests[request]?.(poll),
  };
}

function tracker(poller: () => Promise<MempoolPoll>) {
  return new MempoolTracker(poller, timings, () => {});
}

describe("MempoolTracker.isFreshAsOf", () => {
  it("holds when no mempool is polled, or once a poll is at least as new as the time asked about", async () => {
    expect(new MempoolTracker(undefined, timings, () => {}).isFreshAsOf(Number.MAX_SAFE_INTEGER)).toBe(true);
    const t = tracker(async () => ({ atMs: 1_000, txCount: 1, txids: new Set(["a"]) }));
    expect(t.isFreshAsOf(0)).toBe(false);
    await t.poll();
    expect(t.isFreshAsOf(1_000)).toBe(true);
    expect(t.isFreshAsOf(1_001)).toBe(false);
  });
});

describe("MempoolTracker.freshAsOf", () => {
  it("polls again only when the snapshot is older than the template, joining one poll for many callers", async () => {
    let polls = 0;
    let clock = 1_000;
    const t = tracker(async () => {
      polls += 1;
      return { atMs: clock, txCount: 1, txids: new Set(["a"]) };
    });
    await t.poll();
    expect(polls).toBe(1);
    await t.freshAsOf(900, 1_000);
    expect(polls).toBe(1);
    clock = 2_000;
    await Promise.all([t.freshAsOf(1_500, 1_000), t.freshAsOf(1_600, 1_000), t.freshAsOf(1_700, 1_000)]);
    expect(polls).toBe(2);
    expect(t.snapshot(2_000).txids).toEqual(new Set(["a"]));
  });

  it("does not take a poll that started before the template for one as new as it: one more poll follows", async () => {
    // The periodic poll's request leaves at 1_000; the template is built at 1_200 with a transaction
    // that entered the mempool at 1_100, after that request had been answered.
    const script = scriptedPoller();
    const t = tracker(script.poller);
    const periodic = t.poll();
    const decided = t.freshAsOf(1_200, 60_000);
    script.answer(0, { atMs: 1_000, txCount: 0, txids: new Set() });
    await periodic;
    await script.requested(2);
    script.answer(1, { atMs: 1_250, txCount: 1, txids: new Set(["fresh"]) });
    await decided;
    expect(t.snapshot(1_300).txids).toEqual(new Set(["fresh"]));
  });

  it("polls at most twice for one template when the backend keeps failing", async () => {
    let polls = 0;
    const failing = new MempoolTracker(
      async () => {
        polls += 1;
        throw new Error("connection refused");
      },
      timings,
      () => {},
    );
    await failing.refreshAsOf(1_000);
    expect(polls).toBe(2);
    expect(failing.isFreshAsOf(1_000)).toBe(false);
  });

  it("gives up waiting after maxWaitMs and keeps the old snapshot", async () => {
    let release: () => void = () => {};
    const t = tracker(
      () =>
        new Promise<MempoolPoll>((resolve) => {
          release = () => resolve({ atMs: 5_000, txCount: 2, txids: new Set(["b"]) });
        }),
    );
    const started = Date.now();
    await t.freshAsOf(1, 50);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.snapshot(0).txids).toBeUndefined();
    release();
    await t.poll();
    expect(t.snapshot(5_000).txids).toEqual(new Set(["b"]));
  });
});

describe("mempoolReadiness", () => {
  it("is ready up to and including the maximum age, not after", () => {
    expect(mempoolReadiness(30_000, 30_000)).toEqual({ ok: true });
    expect(mempoolReadiness(30_001, 30_000)).toEqual({ ok: false, reason: "no successful mempool poll recently" });
    expect(mempoolReadiness(Number.POSITIVE_INFINITY, 30_000).ok).toBe(false);
  });
});
