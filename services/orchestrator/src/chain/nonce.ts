/**
 * The transaction manager's decisions about a signer's nonces, as pure functions of what the store
 * recorded and what the node reports.
 */

export interface NonceCounts {
  /** The next nonce the store has numbered for the signer; undefined when it has numbered none. */
  stored: number | undefined;
  /** The signer's transaction count in the latest block. */
  mined: number;
  /** The signer's transaction count including the node's pending pool. */
  pending: number;
}

export type NonceDecision =
  | { kind: "sign"; nonce: number }
  /** The node holds `count` pending transactions beyond every nonce the store numbered. */
  | { kind: "unrecorded_pending"; nonce: number; count: number };

/**
 * The next nonce to sign with: the stored one, never below what the chain has mined (the key may
 * have been used elsewhere). When the node holds pending transactions beyond it, signing would
 * reuse or skip past their nonces, so nothing is signed until they are mined.
 */
export function decideNextNonce({ stored, mined, pending }: NonceCounts): NonceDecision {
  const nonce = Math.max(stored ?? mined, mined);
  return pending > nonce ? { kind: "unrecorded_pending", nonce, count: pending - nonce } : { kind: "sign", nonce };
}

export interface PendingTx {
  nonce: number;
  /** When its latest bytes were broadcast (unix ms). */
  sentAt: number;
  /** Whether the node knows its latest hash (in the pool or mined). */
  known: boolean;
  /** The signer's transaction count in the latest block. */
  mined: number;
}

/**
 * What to do about a transaction with no receipt yet: re-broadcast the persisted bytes when the
 * node forgot it and its nonce is still unused; replace it with a fee bump when it has waited in
 * the pool longer than `stuckAfterMs`; otherwise wait. A forgotten transaction whose nonce was
 * used is left alone: one of its hashes is about to show a receipt, or another sender took the
 * nonce and reconciliation sees it.
 */
export function pendingTxAction(tx: PendingTx, now: number, stuckAfterMs: number): "rebroadcast" | "replace" | "wait" {
  if (!tx.known) return tx.mined <= tx.nonce ? "rebroadcast" : "wait";
  return now - tx.sentAt > stuckAfterMs ? "replace" : "wait";
}

/** Whether a receipt in `block` has `confirmations` blocks on it at `head` (its own block counts). */
export function hasConfirmations(head: bigint, block: bigint, confirmations: number): boolean {
  return head - block + 1n >= BigInt(confirmations);
}

/**
 * The nonces of a batch signed under one lease, in queue order: consecutive from `first` for the
 * calls still `needed`, none for the others (a skipped call must not leave a gap the signer's
 * later transactions would stall behind).
 */
export function numberBatch(first: number, needed: readonly boolean[]): (number | undefined)[] {
  let next = first;
  return needed.map((sign) => (sign ? next++ : undefined));
}
