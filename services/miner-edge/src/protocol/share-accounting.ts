import { type BatchAcknowledgement, ShareBatch } from "./share-batch.js";

/**
 * What answered shares do to one channel's counters: accepted and rejected counts, the sum of
 * accepted difficulty, and the batch awaiting SubmitShares.Success. The channel owns it; nothing
 * else changes these counters. All state, no I/O.
 */
export class ShareAccounting {
  #accepted = 0;
  #rejected = 0;
  #sharesSum = 0;
  readonly #batch = new ShareBatch();

  /** `batchSize`: accepted shares per SubmitShares.Success (share_batch_size). */
  constructor(private readonly batchSize: number) {}

  get accepted(): number {
    return this.#accepted;
  }

  get rejected(): number {
    return this.#rejected;
  }

  /** Difficulty of every accepted share, added up. */
  get sharesSum(): number {
    return this.#sharesSum;
  }

  /**
   * Credits an accepted share. Returns the SubmitShares.Success to send when the batch is due:
   * it is full, or the share is a block (a miner hears about a block at once).
   */
  accept(sequenceNumber: number, difficulty: number, isBlock: boolean): BatchAcknowledgement | undefined {
    this.#accepted += 1;
    this.#sharesSum += difficulty;
    this.#batch.add(sequenceNumber, difficulty);
    return this.#batch.count >= this.batchSize || isBlock ? this.#batch.acknowledge() : undefined;
  }

  reject(): void {
    this.#rejected += 1;
  }
}
