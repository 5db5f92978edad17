import { concat, merkleRootFromPath, nBitsToTarget, sha256d, u256FromLE } from "@gatehouse/bitcoin";
import type { AnyMessage, MessageFields } from "@gatehouse/sv2";
import { EdgeProtocolError } from "./errors.js";

/** The chain tip a channel mines on, from its last SetNewPrevHash. */
export interface Tip {
  /** Counts SetNewPrevHash messages on the channel; shares carry it to tell stale from current. */
  generation: number;
  /** Raw byte order, as in the header. */
  prevHash: Uint8Array;
  nbits: number;
  minNtime: number;
  networkTarget: bigint;
}

interface JobBase {
  jobId: number;
  version: number;
  /** undefined for a future job until a SetNewPrevHash activates it. */
  minNtime: number | undefined;
  /** The channel target when the job arrived (SetTarget does not reach jobs already active). */
  target: bigint;
}

export interface StandardJob extends JobBase {
  kind: "standard";
  /** Raw byte order. */
  merkleRoot: Uint8Array;
}

export interface ExtendedJob extends JobBase {
  kind: "extended";
  versionRollingAllowed: boolean;
  merklePath: Uint8Array[];
  /** Non-witness coinbase serialization around extranonce_prefix ‖ extranonce. */
  coinbasePrefix: Uint8Array;
  coinbaseSuffix: Uint8Array;
}

export type Job = StandardJob | ExtendedJob;

/** What one search hashes: the header fields except the nonce, and the targets to compare with. */
export interface Work {
  channelId: number;
  jobId: number;
  tip: Tip;
  version: number;
  ntime: number;
  merkleRoot: Uint8Array;
  /** The miner's own extranonce (extended channels), empty for standard ones. */
  extranonce: Uint8Array;
  /** A hash at or below this is a share the edge must accept. */
  shareTarget: bigint;
  /** A hash above this is below every target the edge could hold the job to. */
  missTarget: bigint;
}

/** Future jobs kept waiting for their SetNewPrevHash (the edge sends one per new tip). */
const MAX_FUTURE_JOBS = 16;

/**
 * A channel's mining state as the miner sees it: jobs, tip and target, driven by the messages
 * the edge sends. Pure state; the connection feeds it and the hasher reads `work()`.
 */
export class ChannelWork {
  readonly #future = new Map<number, Job>();
  #active: Job | undefined;
  #tip: Tip | undefined;
  #target: bigint;
  #extranonceCounter = 0n;
  /** The last job of the previous tip: submitting on it is a stale share. */
  staleJobId: number | undefined;
  jobs = 0;
  prevHashes = 0;
  targets = 0;

  constructor(
    readonly channelId: number,
    target: bigint,
    /** Extended channels: the edge's prefix and how many bytes the miner rolls. */
    readonly extranonce?: { prefix: Uint8Array; size: number },
  ) {
    this.#target = target;
  }

  get target(): bigint {
    return this.#target;
  }

  get tip(): Tip | undefined {
    return this.#tip;
  }

  get activeJob(): Job | undefined {
    return this.#active;
  }

  /** Applies one message from the edge; returns what it changed, if it was for this channel. */
  apply(m: AnyMessage): "job" | "prevhash" | "target" | undefined {
    switch (m.type) {
      case "NewMiningJob":
        if (m.message.channelId !== this.channelId) return undefined;
        this.#addJob({ kind: "standard", ...m.message, target: this.#target });
        return "job";
      case "NewExtendedMiningJob":
        if (m.message.channelId !== this.channelId) return undefined;
        this.#addJob({
          kind: "extended",
          jobId: m.message.jobId,
          minNtime: m.message.minNtime,
          version: m.message.version,
          versionRollingAllowed: m.message.versionRollingAllowed,
          merklePath: m.message.merklePath,
          coinbasePrefix: m.message.coinbaseTxPrefix,
          coinbaseSuffix: m.message.coinbaseTxSuffix,
          target: this.#target,
        });
        return "job";
      case "SetNewPrevHash":
        if (m.message.channelId !== this.channelId) return undefined;
        this.#newTip(m.message);
        return "prevhash";
      case "SetTarget":
        if (m.message.channelId !== this.channelId) return undefined;
        this.#target = u256FromLE(m.message.maximumTarget);
        // SetTarget reaches queued future jobs, not active ones (SV2 §5.3.21).
        for (const job of this.#future.values()) job.target = this.#target;
        this.targets += 1;
        return "target";
      default:
        return undefined;
    }
  }

  #addJob(job: Job): void {
    this.jobs += 1;
    if (job.minNtime === undefined) {
      this.#future.set(job.jobId, job);
      while (this.#future.size > MAX_FUTURE_JOBS) this.#future.delete(this.#future.keys().next().value as number);
      return;
    }
    // An active job replaces the current one on the same tip; the old one stays valid at the edge.
    this.#active = job;
  }

  #newTip(p: MessageFields<"SetNewPrevHash">): void {
    this.prevHashes += 1;
    const job = this.#future.get(p.jobId) ?? (this.#active?.jobId === p.jobId ? this.#active : undefined);
    if (this.#active && this.#active.jobId !== p.jobId) this.staleJobId = this.#active.jobId;
    this.#future.clear();
    this.#tip = {
      generation: (this.#tip?.generation ?? 0) + 1,
      prevHash: p.prevHash,
      nbits: p.nbits,
      minNtime: p.minNtime,
      networkTarget: nBitsToTarget(p.nbits),
    };
    if (job) job.minNtime = p.minNtime;
    // A SetNewPrevHash naming a job never sent leaves nothing to mine until the next job.
    this.#active = job;
  }

  /**
   * The work to hash now (on the active job, or on `job` to mine an older one on purpose), or
   * undefined before the first job and tip. Extended channels get a fresh extranonce each call.
   */
  work(job = this.#active): Work | undefined {
    const tip = this.#tip;
    if (!job || !tip || job.minNtime === undefined) return undefined;
    let extranonce: Uint8Array = new Uint8Array(0);
    let merkleRoot: Uint8Array;
    if (job.kind === "standard") merkleRoot = job.merkleRoot;
    else {
      const roll = this.extranonce;
      if (!roll) throw new EdgeProtocolError("an extended job arrived on a standard channel");
      extranonce = counterBytes(this.#extranonceCounter++, roll.size);
      merkleRoot = extendedMerkleRoot(job, roll.prefix, extranonce);
    }
    // A share meeting the lower of the job's and the channel's target satisfies the edge either way.
    let [shareTarget, missTarget] = [job.target, this.#target];
    if (missTarget < shareTarget) [shareTarget, missTarget] = [missTarget, shareTarget];
    return {
      channelId: this.channelId,
      jobId: job.jobId,
      tip,
      version: job.version,
      ntime: Math.max(tip.minNtime, job.minNtime),
      merkleRoot,
      extranonce,
      shareTarget,
      missTarget,
    };
  }
}

/** The merkle root of an extended job for one extranonce: coinbase = prefix ‖ extranonce_prefix ‖ extranonce ‖ suffix. */
export function extendedMerkleRoot(
  job: Pick<ExtendedJob, "coinbasePrefix" | "coinbaseSuffix" | "merklePath">,
  extranoncePrefix: Uint8Array,
  extranonce: Uint8Array,
): Uint8Array {
  const txid = sha256d(concat([job.coinbasePrefix, extranoncePrefix, extranonce, job.coinbaseSuffix]));
  return merkleRootFromPath(txid, job.merklePath);
}

/** `value` as `size` big-endian bytes (wrapping), so consecutive values differ in the last byte. */
export function counterBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
