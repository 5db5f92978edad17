import type { Abi, Address, Hex } from "viem";
import type { DecodedRevert } from "./revert.js";

/** What the transaction manager is asked to send and what it answers (the TransactionsPort's vocabulary). */

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export type TxStatus =
  | { state: "none" }
  | { state: "pending"; hash: Hex; nonce: number }
  | { state: "confirmed"; hash: Hex; nonce: number; block: bigint }
  | { state: "reverted"; hash: Hex; nonce: number; block: bigint; reason: string };

/** A transaction the simulation says would revert: nothing was signed or sent. */
export class TxRevertedError extends Error {
  override readonly name = "TxRevertedError";
  constructor(readonly revert: DecodedRevert) {
    super(revert.reason);
  }
}

/** The signer is held by another workflow or replica; try again shortly. */
export class SignerBusyError extends Error {
  override readonly name = "SignerBusyError";
}

/**
 * The node holds pending transactions of this signer beyond every nonce the store has numbered:
 * transactions this gateway has no record of (a store that lost its last writes, or another user
 * of the key). Signing now would reuse or skip past their nonces, so wait until they are mined and
 * reconciliation can see what they did.
 */
export class UnrecordedPendingError extends Error {
  override readonly name = "UnrecordedPendingError";
}
