import { concat, difficultyToTarget, merkleRootFromPath, nBitsToTarget, sha256d, u256ToLE } from "@gatehouse/bitcoin";
import type { AnyMessage } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { ChannelWork, counterBytes } from "./work.js";

const EASY = difficultyToTarget(1e-6);
const HARD = difficultyToTarget(1e-3);
const root = (n: number) => new Uint8Array(32).fill(n);

const job = (jobId: number, minNtime?: number, channelId = 1): AnyMessage => ({
  type: "NewMiningJob",
  message: { channelId, jobId, minNtime, version: 0x20000000, merkleRoot: root(jobId) },
});
const prevHash = (jobId: number, fill: number, channelId = 1): AnyMessage => ({
  type: "SetNewPrevHash",
  message: { channelId, jobId, prevHash: root(fill), minNtime: 1_800_000_000 + fill, nbits: 0x1d00ffff },
});
const setTarget = (target: bigint, channelId = 1): AnyMessage => ({
  type: "SetTarget",
  message: { channelId, maximumTarget: u256ToLE(target) },
});

describe("ChannelWork (standard channel)", () => {
  it("has nothing to mine until a future job is activated by its SetNewPrevHash", () => {
    const w = new ChannelWork(1, EASY);
    expect(w.apply(job(1))).toBe("job");
    expect(w.work()).toBeUndefined();
    expect(w.apply(prevHash(1, 0xaa))).toBe("prevhash");
    expect(w.work()).toMatchObject({
      channelId: 1,
      jobId: 1,
      ntime: 1_800_000_000 + 0xaa,
      merkleRoot: root(1),
      shareTarget: EASY,
      tip: { generation: 1, nbits: 0x1d00ffff, networkTarget: nBitsToTarget(0x1d00ffff) },
    });
    expect(w.staleJobId).toBeUndefined();
  });

  it("an active job replaces the current one on the same tip; a new tip makes the last job the stale one", () => {
    const w = new ChannelWork(1, EASY);
    w.apply(job(1));
    w.apply(prevHash(1, 0xaa));
    w.apply(job(2, 1_800_000_500));
    expect(w.work()).toMatchObject({ jobId: 2, ntime: 1_800_000_500 });
    w.apply(job(3));
    w.apply(prevHash(3, 0xbb));
    expect(w.work()).toMatchObject({ jobId: 3, tip: { generation: 2 } });
    expect(w.staleJobId).toBe(2);
    expect([w.jobs, w.prevHashes]).toEqual([3, 2]);
  });

  it("SetTarget reaches future jobs, not the active one; the share target is the harder of the two", () => {
    const w = new ChannelWork(1, EASY);
    w.apply(job(1));
    w.apply(prevHash(1, 1));
    expect(w.apply(setTarget(HARD))).toBe("target");
    expect(w.work()).toMatchObject({ shareTarget: HARD, missTarget: EASY });
    w.apply(job(2));
    w.apply(prevHash(2, 2));
    expect(w.work()).toMatchObject({ shareTarget: HARD, missTarget: HARD });
  });

  it("ignores other channels' messages and a prev hash naming a job it never got", () => {
    const w = new ChannelWork(1, EASY);
    expect(w.apply(job(1, undefined, 2))).toBeUndefined();
    expect(w.apply(setTarget(HARD, 2))).toBeUndefined();
    expect(
      w.apply({
        type: "SubmitSharesSuccess",
        message: { channelId: 1, lastSequenceNumber: 1, newSubmitsAcceptedCount: 1, newSharesSum: 0n },
      }),
    ).toBeUndefined();
    w.apply(prevHash(9, 1));
    expect(w.work()).toBeUndefined();
    expect(w.target).toBe(EASY);
  });
});

describe("ChannelWork (extended channel)", () => {
  const prefix = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const path = [root(0x11), root(0x22)];
  const coinbasePrefix = Uint8Array.of(2, 0, 0, 0, 1);
  const coinbaseSuffix = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0);

  it("rolls a fresh extranonce per work and commits to prefix ‖ extranonce in the coinbase", () => {
    const w = new ChannelWork(4, EASY, { prefix, size: 3 });
    w.apply({
      type: "NewExtendedMiningJob",
      message: {
        channelId: 4,
        jobId: 1,
        minNtime: undefined,
        version: 0x20000000,
        versionRollingAllowed: true,
        merklePath: path,
        coinbaseTxPrefix: coinbasePrefix,
        coinbaseTxSuffix: coinbaseSuffix,
      },
    });
    w.apply(prevHash(1, 5, 4));
    const first = w.work();
    const second = w.work();
    expect(first?.extranonce).toEqual(Uint8Array.of(0, 0, 0));
    expect(second?.extranonce).toEqual(Uint8Array.of(0, 0, 1));
    const expected = merkleRootFromPath(sha256d(concat([coinbasePrefix, prefix, Uint8Array.of(0, 0, 1), coinbaseSuffix])), path);
    expect(second?.merkleRoot).toEqual(expected);
    expect(first?.merkleRoot).not.toEqual(expected);
  });

  it("counterBytes is big-endian and wraps at the size", () => {
    expect(counterBytes(0x0102n, 2)).toEqual(Uint8Array.of(1, 2));
    expect(counterBytes(0x010203n, 2)).toEqual(Uint8Array.of(2, 3));
    expect(counterBytes(5n, 4)).toEqual(Uint8Array.of(0, 0, 0, 5));
  });
});
