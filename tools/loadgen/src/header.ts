import { hash } from "node:crypto";
import { serializeHeader, u256ToLE } from "@gatehouse/bitcoin";
import type { Work } from "./work.js";

const NONCE_OFFSET = 76;

/** The 80-byte header of `work` with nonce 0, as a Buffer the search rewrites in place. */
export function headerFor(work: Pick<Work, "version" | "tip" | "merkleRoot" | "ntime">): Buffer {
  return Buffer.from(
    serializeHeader({
      version: work.version >>> 0,
      prevHash: work.tip.prevHash,
      merkleRoot: work.merkleRoot,
      time: work.ntime,
      bits: work.tip.nbits,
      nonce: 0,
    }),
  );
}

/** sha256d of a header, raw byte order (one-shot crypto.hash, the fastest SHA-256 in Node 20). */
export function headerHash(header: Buffer, nonce: number): Buffer {
  header.writeUInt32LE(nonce >>> 0, NONCE_OFFSET);
  return hash("sha256", hash("sha256", header, "buffer"), "buffer");
}

/** hash ≤ target, both as little-endian 256-bit numbers; compares from the most significant byte without a bigint. */
export function atMost(hashLE: Uint8Array, targetLE: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = hashLE[i] as number;
    const b = targetLE[i] as number;
    if (a !== b) return a < b;
  }
  return true;
}

/** What a search looks for: a share (hash ≤ target) or, for a deliberate below-target share, a miss (hash > target). */
export interface SearchGoal {
  want: "hit" | "miss";
  targetLE: Uint8Array;
}

export function goalFor(work: Pick<Work, "shareTarget" | "missTarget">, want: "hit" | "miss"): SearchGoal {
  return { want, targetLE: u256ToLE(want === "hit" ? work.shareTarget : work.missTarget) };
}

/**
 * Tries nonces [from, from + count) (mod 2^32) on `header`; returns the first that meets the
 * goal with its hash, or undefined. Pure CPU: the caller bounds `count` to keep its loop responsive.
 */
export function searchNonces(
  header: Buffer,
  from: number,
  count: number,
  goal: SearchGoal,
): { nonce: number; hash: Buffer; tried: number } | undefined {
  for (let i = 0; i < count; i++) {
    const nonce = (from + i) >>> 0;
    const h = headerHash(header, nonce);
    if (atMost(h, goal.targetLE) === (goal.want === "hit")) return { nonce, hash: h, tried: i + 1 };
  }
  return undefined;
}
