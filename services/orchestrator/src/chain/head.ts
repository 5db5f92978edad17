import type { Clock } from "@gatehouse/service";

/**
 * The chain's head block number, shared by every transaction the process follows: read at most
 * once per `maxAgeMs` whatever the number of callers (concurrent callers share one read), so
 * following a hundred pending transactions costs one `eth_blockNumber` per poll interval rather
 * than one each.
 */
export class ChainHead {
  #last: { head: bigint; at: number } | undefined;
  #reading: Promise<bigint> | undefined;

  constructor(
    private readonly read: () => Promise<bigint>,
    private readonly maxAgeMs: number,
    private readonly clock: Clock,
  ) {}

  async latest(): Promise<bigint> {
    const now = this.clock.now();
    if (this.#last && headIsFresh(this.#last.at, now, this.maxAgeMs)) return this.#last.head;
    this.#reading ??= this.read()
      .then((head) => {
        this.#last = { head, at: now };
        return head;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }
}

/** Whether a head read at `readAt` may still stand for the head at `now`. */
export function headIsFresh(readAt: number, now: number, maxAgeMs: number): boolean {
  return now - readAt < maxAgeMs;
}

/** The last full check of a transaction found pending. */
export interface PendingCheck {
  /**
   * The head read before that check; undefined when none was (a first check reads none, and a
   * head read after it may already hold the transaction's block).
   */
  head: bigint | undefined;
  at: number;
}

/**
 * Whether a pending transaction is worth a full check (receipts, then the pool) now: on the first
 * check and the one after, when a block arrived since the last one (only a new block can hold a
 * receipt), and otherwise every `recheckMs` so that a transaction dropped from the pool or stuck
 * there is still seen on a chain that mines no block meanwhile.
 */
export function pendingCheckDue(last: PendingCheck | undefined, head: bigint, now: number, recheckMs: number): boolean {
  return last?.head === undefined || head !== last.head || now - last.at >= recheckMs;
}

/**
 * Whether confirming a receipt needs the head: with one confirmation the receipt's own block is
 * enough (it counts), so no head is read.
 */
export function confirmationNeedsHead(confirmations: number): boolean {
  return confirmations > 1;
}
