import { BitcoinFormatError, concat } from "./bytes.js";
import { sha256d } from "./hash.js";

function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256d(concat([left, right]));
}

/** Merkle root of raw-order hashes; an odd level duplicates its last hash (Bitcoin's rule). */
export function merkleRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new BitcoinFormatError("empty_merkle_tree", "a merkle tree needs at least one hash");
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      next.push(hashPair(left, level[i + 1] ?? left));
    }
    level = next;
  }
  return level[0] as Uint8Array;
}

/**
 * The merkle path (branch) of the first leaf, the coinbase, given the other transactions' txids in
 * block order. Only siblings of the leftmost node are needed, so the coinbase itself is not.
 */
export function coinbaseMerklePath(otherTxids: readonly Uint8Array[]): Uint8Array[] {
  const placeholder = new Uint8Array(32);
  let level: Uint8Array[] = [placeholder, ...otherTxids];
  const path: Uint8Array[] = [];
  while (level.length > 1) {
    path.push(level[1] as Uint8Array);
    const next: Uint8Array[] = [placeholder];
    for (let i = 2; i < level.length; i += 2) {
      const left = level[i] as Uint8Array;
      next.push(hashPair(left, level[i + 1] ?? left));
    }
    level = next;
  }
  return path;
}

/** root = sha256d(… sha256d(sha256d(leaf ‖ path[0]) ‖ path[1]) …), raw byte order (SV2 §5.3.16). */
export function merkleRootFromPath(leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array {
  let root = leaf;
  for (const element of path) root = hashPair(root, element);
  return root;
}
