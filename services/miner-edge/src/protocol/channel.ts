import { targetToDifficulty, u256ToLE } from "@gatehouse/bitcoin";
import { InvariantError } from "@gatehouse/service";
import { ShareAccounting } from "./share-accounting.js";

/** An extended job's coinbase around extranonce_prefix ‖ extranonce, in its txid (non-witness) form. */
export interface ExtendedCoinbase {
  prefix: Uint8Array;
  suffix: Uint8Array;
  merklePath: readonly Uint8Array[];
}

/** One job as sent to one channel. */
export interface ChannelJob {
  jobId: number;
  templateId: bigint;
  version: number;
  /** Standard jobs: raw byte order, as in the header. Extended jobs: empty (the miner's extranonce decides it). */
  merkleRoot: Uint8Array;
  /** Extended jobs only: what the merkle root is computed from for each share's extranonce. */
  coinbase?: ExtendedCoinbase;
  /** Job's own min_ntime; undefined for a future job not yet activated. */
  minNtime: number | undefined;
  /** The channel target when the job was sent: SetTarget does not apply to jobs already sent. */
  target: bigint;
  /** `target` as a difficulty, computed once per job rather than for each of its shares. */
  difficulty: number;
  /** Tip generation the job belongs to. */
  tip: number;
}

/** The chain tip a channel mines on, from the last SetNewPrevHash it was sent. */
export interface ChannelTip {
  generation: number;
  /** Raw byte order. */
  prevHash: Uint8Array;
  nbits: number;
  minNtime: number;
  networkTarget: bigint;
  templateId: bigint;
  blockHeight: number;
}

/** Jobs a channel remembers per tip (active + past); older ones are forgotten and answer invalid-job-id. */
const MAX_JOBS = 32;
/** Job ids of superseded tips kept to answer stale-share rather than invalid-job-id. */
const MAX_STALE_JOBS = 64;

/**
 * A standard or extended channel: its identity, target, job table and share counters. All state, no I/O. An
 * extended channel's miner rolls `extranonceSize` bytes after the edge's prefix.
 */
export class MiningChannel {
  readonly #jobs = new Map<number, ChannelJob>();
  readonly #stale = new Set<number>();
  #nextJobId = 1;
  #target: bigint;
  tip: ChannelTip | undefined;
  /** Accepted and rejected counts and the batch awaiting SubmitShares.Success. */
  readonly shares: ShareAccounting;

  constructor(
    readonly channelId: number,
    readonly workerId: string,
    readonly poolAccountId: string,
    readonly extranoncePrefix: Uint8Array,
    target: bigint,
    readonly openedAt: number,
    readonly extranonceSize = 0,
    shareBatchSize = 1,
  ) {
    this.#target = target;
    this.shares = new ShareAccounting(shareBatchSize);
  }

  get extended(): boolean {
    return this.extranonceSize > 0;
  }

  get target(): bigint {
    return this.#target;
  }

  get targetLE(): Uint8Array {
    return u256ToLE(this.#target);
  }

  get difficulty(): number {
    return targetToDifficulty(this.#target);
  }

  /** Applies to jobs sent afterwards only. */
  setTarget(target: bigint): void {
    this.#target = target;
  }

  /** Allocates a job id never used on this channel (job ids are not reused, SV2 §5.3.15). */
  addJob(job: Omit<ChannelJob, "jobId" | "target" | "difficulty" | "tip">): ChannelJob {
    const full: ChannelJob = {
      ...job,
      jobId: this.#nextJobId++,
      target: this.#target,
      difficulty: this.difficulty,
      tip: this.tip?.generation ?? 0,
    };
    this.#jobs.set(full.jobId, full);
    while (this.#jobs.size > MAX_JOBS) {
      const oldest = this.#jobs.keys().next().value as number;
      this.#jobs.delete(oldest);
    }
    return full;
  }

  /** Activates a future job on a new tip: every job of the previous tip becomes stale. */
  activate(jobId: number, tip: Omit<ChannelTip, "generation">): void {
    const job = this.#jobs.get(jobId);
    if (!job) throw new InvariantError(`job ${jobId} is not on channel ${this.channelId}`);
    const generation = (this.tip?.generation ?? 0) + 1;
    for (const [id, other] of this.#jobs) {
      if (id === jobId) continue;
      this.#jobs.delete(id);
      this.#stale.add(other.jobId);
    }
    while (this.#stale.size > MAX_STALE_JOBS) this.#stale.delete(this.#stale.values().next().value as number);
    this.tip = { ...tip, generation };
    job.minNtime = tip.minNtime;
    job.tip = generation;
  }

  job(jobId: number): ChannelJob | undefined {
    return this.#jobs.get(jobId);
  }

  isStale(jobId: number): boolean {
    return this.#stale.has(jobId);
  }

  /** Marks every job stale (prevhash_switch_timeout): shares on them are refused until a new tip. */
  expireAll(): void {
    for (const id of this.#jobs.keys()) this.#stale.add(id);
    this.#jobs.clear();
    this.tip = undefined;
  }
}
