import { concat, encodeAbiParameters, type Hex, keccak256 } from "viem";

const SCORE_SLOTS = 5;
const UINT8 = { type: "uint8" } as const;

/**
 * ChaosChain's on-chain score vector: each score in basis points becomes floor(bps/100) (at most
 * 255), padded with zeros or truncated to 5 values, ABI-encoded as five uint8 words (160 bytes).
 */
export function encodeScoreVector(scoresBps: readonly number[]): Hex {
  const values = Array.from({ length: SCORE_SLOTS }, (_, i) => Math.min(255, Math.floor((scoresBps[i] ?? 0) / 100)));
  return encodeAbiParameters([UINT8, UINT8, UINT8, UINT8, UINT8], values as [number, number, number, number, number]);
}

/** The commit-reveal commitment: keccak256(abi.encodePacked(scoreVector, salt, dataHash)). */
export function scoreCommitment(scoreVector: Hex, salt: Hex, dataHash: Hex): Hex {
  return keccak256(concat([scoreVector, salt, dataHash]));
}
