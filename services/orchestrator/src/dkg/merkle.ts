import { concat, type Hex, keccak256 } from "viem";

const ZERO_HASH: Hex = `0x${"00".repeat(32)}`;

/**
 * ChaosChain's Merkle rule: empty → 32 zero bytes, one leaf → the leaf, otherwise pairwise
 * keccak256(left ‖ right) level by level, an odd last element paired with itself.
 */
export function merkleRoot(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return ZERO_HASH;
  let level = [...leaves];
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Hex;
      const right = level[i + 1] ?? left;
      next.push(keccak256(concat([left, right])));
    }
    level = next;
  }
  return level[0] as Hex;
}
