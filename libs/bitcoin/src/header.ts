import { BitcoinFormatError, ByteReader } from "./bytes.js";
import { sha256d } from "./hash.js";
import { hashMeetsTarget, nBitsToTarget } from "./target.js";

export const HEADER_SIZE = 80;

/** prevHash and merkleRoot are in raw (hashed, SV2-wire) byte order, not display order. */
export interface BlockHeader {
  version: number;
  prevHash: Uint8Array;
  merkleRoot: Uint8Array;
  time: number;
  bits: number;
  nonce: number;
}

export function serializeHeader(header: BlockHeader): Uint8Array {
  if (header.prevHash.length !== 32 || header.merkleRoot.length !== 32) {
    throw new BitcoinFormatError("invalid_header", "prevHash and merkleRoot must be 32 bytes");
  }
  // Written in place: the edge serializes a header per submitted share.
  const out = new Uint8Array(HEADER_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.version >>> 0, true);
  out.set(header.prevHash, 4);
  out.set(header.merkleRoot, 36);
  view.setUint32(68, header.time >>> 0, true);
  view.setUint32(72, header.bits >>> 0, true);
  view.setUint32(76, header.nonce >>> 0, true);
  return out;
}

export function parseHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_SIZE) throw new BitcoinFormatError("invalid_header", `a header is 80 bytes, got ${bytes.length}`);
  const r = new ByteReader(bytes, "header");
  return {
    version: r.u32(),
    prevHash: Uint8Array.from(r.bytesOf(32)),
    merkleRoot: Uint8Array.from(r.bytesOf(32)),
    time: r.u32(),
    bits: r.u32(),
    nonce: r.u32(),
  };
}

/** The block hash in raw byte order (reverse it for display). */
export function headerHash(header: BlockHeader | Uint8Array): Uint8Array {
  const bytes = header instanceof Uint8Array ? header : serializeHeader(header);
  if (bytes.length !== HEADER_SIZE) throw new BitcoinFormatError("invalid_header", `a header is 80 bytes, got ${bytes.length}`);
  return sha256d(bytes);
}

/** Proof of work against the header's own nBits. */
export function headerMeetsOwnTarget(header: BlockHeader): boolean {
  return hashMeetsTarget(headerHash(header), nBitsToTarget(header.bits));
}
