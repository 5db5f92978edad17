/** Consensus and policy numbers (Bitcoin Core `consensus/consensus.h`, `policy/policy.h`; BIP141). */
export const MAX_BLOCK_WEIGHT = 4_000_000;
export const MAX_BLOCK_SIGOPS_COST = 80_000;
export const WITNESS_SCALE_FACTOR = 4;
export const MAX_FUTURE_BLOCK_TIME = 7_200;
export const DEFAULT_COINBASE_OUTPUT_MAX_ADDITIONAL_SIGOPS = 400;
export const MAINNET_HALVING_INTERVAL = 210_000;
export const REGTEST_HALVING_INTERVAL = 150;

const INITIAL_SUBSIDY = 5_000_000_000n;

/** Block subsidy in satoshis: 50 BTC halved every `halvingInterval` blocks, zero after 64 halvings. */
export function blockSubsidy(height: number, halvingInterval: number = MAINNET_HALVING_INTERVAL): bigint {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height ${height} must be a non-negative integer`);
  const halvings = Math.floor(height / halvingInterval);
  return halvings >= 64 ? 0n : INITIAL_SUBSIDY >> BigInt(halvings);
}
