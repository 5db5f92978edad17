import { concat, merkleRootFromPath, serializeHeader, sha256d, u256FromLE } from "@gatehouse/bitcoin";
import type { ChannelJob, ChannelTip, ExtendedCoinbase, MiningChannel } from "./channel.js";

export interface Submission {
  jobId: number;
  nonce: number;
  ntime: number;
  version: number;
  /** SubmitSharesExtended only: the miner's part of the coinbase's extranonce. */
  extranonce?: Uint8Array;
}

export interface ValidationRules {
  /** Version bits a miner may roll (BIP320 0x1fffe000 by default). */
  versionMask: number;
  /** ntime may exceed the tip's min_ntime by at most this many seconds. */
  maxNtimeOffsetSeconds: number;
  /** Unix seconds; ntime may not exceed now + 7200 (consensus MAX_FUTURE_BLOCK_TIME). */
  nowSeconds: number;
}

export type ShareRejection =
  | "stale_job_submission"
  | "share_invalid_job_id"
  | "ntime_out_of_range"
  | "version_bit_violation"
  | "share_invalid_nonce"
  | "share_difficulty_below_target";

/**
 * `isBlock`: the hash meets the network target (submit it as a block). `isShare`: it meets the
 * job's target (credit it). On a network whose target is easier than the channel's (regtest) a
 * hash can be a block without being a share: it is submitted, never credited.
 */
export type ShareVerdict =
  | { ok: true; job: ChannelJob; tip: ChannelTip; header: Uint8Array; hash: Uint8Array; isBlock: boolean; isShare: boolean }
  | { ok: false; reason: ShareRejection; detail: string };

const MAX_FUTURE_BLOCK_TIME = 7200;

/**
 * SRI's standard-channel order (`channels-sv2/src/server/standard.rs` validate_share): job (stale
 * before unknown), ntime, version, then the header's hash against the network target (block) and,
 * separately, the job's target (share; both inclusive). Extended channels add the extranonce:
 * exactly the negotiated size (share_invalid_nonce, SRI's bad-extranonce-size), placed into the
 * coinbase to compute the share's merkle root. The channel lookup, rate limit and replay check are
 * the caller's, around this pure step.
 */
export function validateShare(channel: MiningChannel, share: Submission, rules: ValidationRules): ShareVerdict {
  const job = channel.job(share.jobId);
  if (!job) {
    return channel.isStale(share.jobId)
      ? { ok: false, reason: "stale_job_submission", detail: `job ${share.jobId} belongs to a superseded prev_hash` }
      : { ok: false, reason: "share_invalid_job_id", detail: `job ${share.jobId} is not active on channel ${channel.channelId}` };
  }
  const tip = channel.tip;
  if (job.minNtime === undefined || !tip || job.tip !== tip.generation) {
    return { ok: false, reason: "share_invalid_job_id", detail: `job ${share.jobId} is a future job not yet activated` };
  }
  const earliest = Math.max(tip.minNtime, job.minNtime);
  const latest = Math.min(tip.minNtime + rules.maxNtimeOffsetSeconds, rules.nowSeconds + MAX_FUTURE_BLOCK_TIME);
  if (share.ntime < earliest || share.ntime > latest) {
    return { ok: false, reason: "ntime_out_of_range", detail: `ntime ${share.ntime} outside [${earliest}, ${latest}]` };
  }
  const fixed = ~rules.versionMask >>> 0;
  if ((share.version & fixed) >>> 0 !== (job.version & fixed) >>> 0) {
    return {
      ok: false,
      reason: "version_bit_violation",
      detail: `version 0x${(share.version >>> 0).toString(16)} changes bits outside mask 0x${rules.versionMask.toString(16)}`,
    };
  }
  let merkleRoot = job.merkleRoot;
  if (job.coinbase) {
    const extranonce = share.extranonce ?? new Uint8Array(0);
    if (extranonce.length !== channel.extranonceSize) {
      return {
        ok: false,
        reason: "share_invalid_nonce",
        detail: `extranonce of ${extranonce.length} bytes, the channel's is ${channel.extranonceSize}`,
      };
    }
    merkleRoot = extendedMerkleRoot(job.coinbase, channel.extranoncePrefix, extranonce);
  }
  const header = serializeHeader({
    version: share.version >>> 0,
    prevHash: tip.prevHash,
    merkleRoot,
    time: share.ntime,
    bits: tip.nbits,
    nonce: share.nonce,
  });
  const hash = sha256d(header);
  const value = u256FromLE(hash);
  const isBlock = value <= tip.networkTarget;
  const isShare = value <= job.target;
  if (isBlock || isShare) return { ok: true, job, tip, header, hash, isBlock, isShare };
  return { ok: false, reason: "share_difficulty_below_target", detail: "share hash is above the job's target" };
}

/** coinbase = prefix ‖ extranonce_prefix ‖ extranonce ‖ suffix; its txid up the path (raw byte order). */
export function extendedMerkleRoot(coinbase: ExtendedCoinbase, extranoncePrefix: Uint8Array, extranonce: Uint8Array): Uint8Array {
  const txid = sha256d(concat([coinbase.prefix, extranoncePrefix, extranonce, coinbase.suffix]));
  return merkleRootFromPath(txid, coinbase.merklePath);
}
