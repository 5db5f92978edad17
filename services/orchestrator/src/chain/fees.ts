/**
 * The fee and gas policy of the transaction manager, as pure functions of the chain's base fee
 * (EIP-1559 transactions: https://eips.ethereum.org/EIPS/eip-1559).
 */

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The tip offered on a first send: 1 gwei. */
export const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
// Nodes (geth's txpool) accept a replacement on the same nonce only with both fees ≥ +10 %; bump by 12.5 %.
const FEE_BUMP_NUMERATOR = 1125n;
const FEE_BUMP_DENOMINATOR = 1000n;

/** Fees of a first send: room for the base fee to double before the transaction is priced out. */
export function initialFees(baseFee: bigint): Fees {
  return { maxFeePerGas: baseFee * 2n + DEFAULT_PRIORITY_FEE, maxPriorityFeePerGas: DEFAULT_PRIORITY_FEE };
}

/** `fee` raised by 12.5 % (and 1 wei, so a zero or tiny fee still rises). */
export function bumpFee(fee: bigint): bigint {
  return (fee * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
}

/**
 * Fees of a replacement on the same nonce: both fees bumped, and the cap never below what a first
 * send would offer at today's base fee (a base fee that rose since must not keep it stuck).
 */
export function replacementFees(previous: Fees, baseFee: bigint): Fees {
  const maxPriorityFeePerGas = bumpFee(previous.maxPriorityFeePerGas);
  const bumped = bumpFee(previous.maxFeePerGas);
  const current = baseFee * 2n + maxPriorityFeePerGas;
  return { maxFeePerGas: bumped > current ? bumped : current, maxPriorityFeePerGas };
}

/** The gas limit signed: the estimate plus 20 %, as state can change between estimate and inclusion. */
export function gasLimit(estimate: bigint): bigint {
  return (estimate * 12n) / 10n;
}
