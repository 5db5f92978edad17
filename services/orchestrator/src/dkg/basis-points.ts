export const TOTAL_BASIS_POINTS = 10_000;

/**
 * Converts weights (any positive scale) to integer basis points that sum to exactly 10,000:
 * floor each share, then hand the remaining points one each to the largest fractional
 * remainders, ties broken by lower-case address. Addresses are lower-cased (and merged).
 */
export function toBasisPoints(weights: ReadonlyMap<string, number>): Map<string, number> {
  const merged = new Map<string, number>();
  for (const [address, weight] of weights) {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weight for ${address} must be a finite number ≥ 0`);
    const key = address.toLowerCase();
    merged.set(key, (merged.get(key) ?? 0) + weight);
  }
  let total = 0;
  for (const weight of merged.values()) total += weight;
  if (total <= 0) return new Map();
  const shares = [...merged].map(([address, weight]) => {
    const exact = (weight / total) * TOTAL_BASIS_POINTS;
    const points = Math.floor(exact);
    return { address, points, remainder: exact - points };
  });
  let left = TOTAL_BASIS_POINTS - shares.reduce((sum, share) => sum + share.points, 0);
  const byRemainder = [...shares].sort((a, b) => b.remainder - a.remainder || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const share of byRemainder) {
    if (left <= 0) break;
    share.points += 1;
    left -= 1;
  }
  return new Map(shares.sort((a, b) => (a.address < b.address ? -1 : 1)).map((s) => [s.address, s.points]));
}
