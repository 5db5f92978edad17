/** What one SubmitShares.Success reports. */
export interface BatchAcknowledgement {
  lastSequenceNumber: number;
  newSubmitsAcceptedCount: number;
  newSharesSum: bigint;
}

/**
 * The accepted shares of one channel not yet acknowledged (SV2 Mining Protocol,
 * SubmitShares.Success: count and sum of difficulty "acknowledged within this batch", reset for
 * each batch). new_shares_sum is a U64 while channel difficulties are fractional (a CPU miner's
 * may be 1e-6), so truncating each batch's sum would report 0 for ever. The fraction one batch
 * cannot carry is owed to the next: over any run of batches the sums reported add up to the
 * difficulty accepted, rounded down.
 */
export class ShareBatch {
  #count = 0;
  #sum = 0;
  #lastSequence = 0;
  /** Difficulty accepted but not yet reported (below 1 after each acknowledgement). */
  #owed = 0;

  get count(): number {
    return this.#count;
  }

  add(sequenceNumber: number, difficulty: number): void {
    this.#count += 1;
    this.#sum += difficulty;
    this.#lastSequence = sequenceNumber;
  }

  /** Closes the batch: its acknowledgement, and an empty batch in its place. */
  acknowledge(): BatchAcknowledgement {
    const total = this.#owed + this.#sum;
    const whole = Math.floor(total);
    const ack = { lastSequenceNumber: this.#lastSequence, newSubmitsAcceptedCount: this.#count, newSharesSum: BigInt(whole) };
    this.#owed = total - whole;
    this.#count = 0;
    this.#sum = 0;
    return ack;
  }
}
