import {
  concat,
  difficultyToTarget,
  merkleRoot,
  nBitsToTarget,
  parseTransaction,
  serializeHeader,
  sha256d,
  txid,
  u256FromLE,
} from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import { DIFF1_NBITS, fixtureTransactions, REGTEST_NBITS, templateFixture } from "../../test/template-fixture.js";
import { coinbaseParts } from "../templates/coinbase.js";
import { MiningChannel } from "./channel.js";
import { type Submission, type ValidationRules, validateShare } from "./validate.js";

const MIN_NTIME = 1_800_000_000;
const rules: ValidationRules = { versionMask: 0x1fffe000, maxNtimeOffsetSeconds: 7200, nowSeconds: MIN_NTIME };
const EASY = difficultyToTarget(1e-6);

function channelOnTip(nbits = DIFF1_NBITS) {
  const channel = new MiningChannel(1, "w", "", new Uint8Array(8), EASY, 0);
  const job = channel.addJob({ templateId: 1n, version: 0x20000000, merkleRoot: new Uint8Array(32).fill(7), minNtime: undefined });
  channel.activate(job.jobId, {
    prevHash: new Uint8Array(32).fill(3),
    nbits,
    minNtime: MIN_NTIME,
    networkTarget: nBitsToTarget(nbits),
    templateId: 1n,
    blockHeight: 10,
  });
  return { channel, job };
}

/** Searches nonces until the header hash meets (or misses) `target`: real proof of work. */
function mine(channel: MiningChannel, jobId: number, meets: (hash: bigint) => boolean, base: Partial<Submission> = {}): Submission {
  const job = channel.job(jobId);
  const tip = channel.tip;
  if (!job || !tip) throw new Error("no job");
  for (let nonce = 0; ; nonce++) {
    const share = { jobId, nonce, ntime: MIN_NTIME, version: 0x20000000, ...base };
    const header = serializeHeader({
      version: share.version,
      prevHash: tip.prevHash,
      merkleRoot: job.merkleRoot,
      time: share.ntime,
      bits: tip.nbits,
      nonce,
    });
    if (meets(u256FromLE(sha256d(header)))) return share;
  }
}

describe("validateShare", () => {
  it("accepts a share at the job target, and recomputes the same header", () => {
    const { channel, job } = channelOnTip();
    const share = mine(channel, job.jobId, (h) => h <= EASY);
    const verdict = validateShare(channel, share, rules);
    expect(verdict).toMatchObject({ ok: true, isBlock: false, isShare: true });
    if (verdict.ok) expect(u256FromLE(sha256d(verdict.header))).toBeLessThanOrEqual(EASY);
  });

  it("rejects a share above the target", () => {
    const { channel, job } = channelOnTip();
    const share = mine(channel, job.jobId, (h) => h > EASY);
    expect(validateShare(channel, share, rules)).toMatchObject({ ok: false, reason: "share_difficulty_below_target" });
  });

  it("flags a share meeting the network target as a block", () => {
    const { channel, job } = channelOnTip(REGTEST_NBITS);
    const share = mine(channel, job.jobId, (h) => h <= nBitsToTarget(REGTEST_NBITS) && h <= EASY);
    expect(validateShare(channel, share, rules)).toMatchObject({ ok: true, isBlock: true, isShare: true });
  });

  it("on a network easier than the channel (regtest), a hash missing the job's target is a block but never a share", () => {
    const { channel } = channelOnTip(REGTEST_NBITS);
    channel.setTarget(difficultyToTarget(1));
    const hard = channel.addJob({ templateId: 1n, version: 0x20000000, merkleRoot: new Uint8Array(32).fill(7), minNtime: MIN_NTIME });
    const network = nBitsToTarget(REGTEST_NBITS);
    const blockOnly = mine(channel, hard.jobId, (h) => h <= network && h > hard.target);
    expect(validateShare(channel, blockOnly, rules)).toMatchObject({ ok: true, isBlock: true, isShare: false });
    const neither = mine(channel, hard.jobId, (h) => h > network);
    expect(validateShare(channel, neither, rules)).toMatchObject({ ok: false, reason: "share_difficulty_below_target" });
  });

  it("tells stale jobs (previous tip) from unknown ones and from unactivated future jobs", () => {
    const { channel, job } = channelOnTip();
    const future = channel.addJob({ templateId: 2n, version: 0x20000000, merkleRoot: new Uint8Array(32), minNtime: undefined });
    expect(validateShare(channel, { jobId: future.jobId, nonce: 0, ntime: MIN_NTIME, version: 0x20000000 }, rules)).toMatchObject({
      reason: "share_invalid_job_id",
    });
    channel.activate(future.jobId, { ...(channel.tip as NonNullable<typeof channel.tip>), prevHash: new Uint8Array(32).fill(9) });
    expect(validateShare(channel, { jobId: job.jobId, nonce: 0, ntime: MIN_NTIME, version: 0x20000000 }, rules)).toMatchObject({
      reason: "stale_job_submission",
    });
    expect(validateShare(channel, { jobId: 999, nonce: 0, ntime: MIN_NTIME, version: 0x20000000 }, rules)).toMatchObject({
      reason: "share_invalid_job_id",
    });
  });

  it("bounds ntime below by min_ntime and above by the offset, before looking at version bits", () => {
    const { channel, job } = channelOnTip();
    const bad = { jobId: job.jobId, nonce: 0, version: 0xffffffff };
    expect(validateShare(channel, { ...bad, ntime: MIN_NTIME - 1 }, rules)).toMatchObject({ reason: "ntime_out_of_range" });
    expect(validateShare(channel, { ...bad, ntime: MIN_NTIME + 7201 }, rules)).toMatchObject({ reason: "ntime_out_of_range" });
    expect(validateShare(channel, { ...bad, ntime: MIN_NTIME + 7200 }, rules)).toMatchObject({ reason: "version_bit_violation" });
  });

  it("allows rolling exactly the mask's bits (Bitaxe rolls 0x1fffe000)", () => {
    const { channel, job } = channelOnTip();
    const rolled = mine(channel, job.jobId, (h) => h <= EASY, { version: 0x20000000 | 0x1fffe000 });
    expect(validateShare(channel, rolled, rules)).toMatchObject({ ok: true });
    const outside = { jobId: job.jobId, nonce: 0, ntime: MIN_NTIME, version: 0x20000000 | 0x1000 };
    expect(validateShare(channel, outside, rules)).toMatchObject({ reason: "version_bit_violation" });
  });

  it("checks a job against the target it was sent with, not a later SetTarget", () => {
    const { channel, job } = channelOnTip();
    channel.setTarget(difficultyToTarget(1e6));
    const share = mine(channel, job.jobId, (h) => h <= EASY);
    const verdict = validateShare(channel, share, rules);
    expect(verdict).toMatchObject({ ok: true, job: { target: EASY } });
    // The difficulty a share on it is credited with is the job's, computed when it was sent.
    expect(verdict.ok && verdict.job.difficulty).toBeCloseTo(1e-6, 12);
    expect(channel.difficulty).toBeCloseTo(1e6, 3);
  });

  describe("extended channels", () => {
    const PREFIX = Uint8Array.of(0, 7, 0, 0, 0, 0, 0, 1);
    const template = templateFixture({ templateId: 5n, txCount: 5 });
    const parts = coinbaseParts(template, PREFIX.length + 4);

    function extendedOnTip() {
      const channel = new MiningChannel(2, "w", "", PREFIX, EASY, 0, 4);
      const coinbase = { prefix: parts.strippedPrefix, suffix: parts.strippedSuffix, merklePath: template.merklePath };
      const job = channel.addJob({ templateId: 5n, version: 0x20000000, merkleRoot: new Uint8Array(0), coinbase, minNtime: undefined });
      channel.activate(job.jobId, {
        prevHash: new Uint8Array(32).fill(3),
        nbits: DIFF1_NBITS,
        minNtime: MIN_NTIME,
        networkTarget: nBitsToTarget(DIFF1_NBITS),
        templateId: 5n,
        blockHeight: 10,
      });
      return { channel, job };
    }

    /** The root a block would commit to: the full (witness) coinbase parsed, its txid, and every transaction's txid. */
    function blockMerkleRoot(extranonce: Uint8Array): Uint8Array {
      const coinbase = parseTransaction(concat([parts.fullPrefix, PREFIX, extranonce, parts.fullSuffix]));
      return merkleRoot([txid(coinbase), ...fixtureTransactions({ templateId: 5n, txCount: 5 }).map(txid)]);
    }

    it("places the miner's extranonce after the prefix: the header commits to the block's real merkle root", () => {
      const { channel, job } = extendedOnTip();
      const extranonce = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
      const root = blockMerkleRoot(extranonce);
      let share: Submission | undefined;
      for (let nonce = 0; !share; nonce++) {
        const header = serializeHeader({
          version: 0x20000000,
          prevHash: new Uint8Array(32).fill(3),
          merkleRoot: root,
          time: MIN_NTIME,
          bits: DIFF1_NBITS,
          nonce,
        });
        if (u256FromLE(sha256d(header)) <= EASY) share = { jobId: job.jobId, nonce, ntime: MIN_NTIME, version: 0x20000000, extranonce };
      }
      const verdict = validateShare(channel, share, rules);
      expect(verdict.ok && Buffer.from(verdict.header.subarray(36, 68))).toEqual(Buffer.from(root));
    });

    it("refuses an extranonce of any other size than negotiated (share_invalid_nonce), after ntime and version", () => {
      const { channel, job } = extendedOnTip();
      const base = { jobId: job.jobId, nonce: 0, ntime: MIN_NTIME, version: 0x20000000 };
      for (const extranonce of [new Uint8Array(3), new Uint8Array(5), undefined]) {
        expect(validateShare(channel, { ...base, extranonce }, rules)).toMatchObject({ ok: false, reason: "share_invalid_nonce" });
      }
      expect(validateShare(channel, { ...base, ntime: MIN_NTIME - 1, extranonce: new Uint8Array(3) }, rules)).toMatchObject({
        reason: "ntime_out_of_range",
      });
    });
  });
});
