import { createHash } from "node:crypto";

/** Share fields no header or target can be built from: hashes that are not 64 lower-case hex digits, a difficulty that is not a positive number. */
export class ShareFieldsError extends Error {
  override readonly name = "ShareFieldsError";
}

/** The header fields a share submission carries; hashes are display (big-endian) hex. */
export interface HeaderFields {
  version: number;
  prev_hash: string;
  merkle_root: string;
  ntime: number;
  nbits: number;
  nonce: number;
}

/** Difficulty 1 target (bdiff): 0xffff · 2^208. */
const DIFF1_TARGET = 0xffffn << 208n;
const MAX_TARGET = (1n << 256n) - 1n;
const SCALE_BITS = 64n;

const HASH_HEX = /^[0-9a-f]{64}$/;

/** Rebuilds the 80-byte header (consensus serialization) from its fields. */
export function headerBytes(fields: HeaderFields): Buffer {
  if (!HASH_HEX.test(fields.prev_hash) || !HASH_HEX.test(fields.merkle_root))
    throw new ShareFieldsError("prev_hash and merkle_root must be 64 lower-case hex digits");
  const bytes = Buffer.alloc(80);
  bytes.writeUInt32LE(fields.version >>> 0, 0);
  Buffer.from(fields.prev_hash, "hex").reverse().copy(bytes, 4);
  Buffer.from(fields.merkle_root, "hex").reverse().copy(bytes, 36);
  bytes.writeUInt32LE(fields.ntime >>> 0, 68);
  bytes.writeUInt32LE(fields.nbits >>> 0, 72);
  bytes.writeUInt32LE(fields.nonce >>> 0, 76);
  return bytes;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();

/** share_id: single SHA-256 of the header, hex. */
export function shareIdOf(header: Uint8Array): string {
  return sha256(header).toString("hex");
}

/** The proof-of-work hash (double SHA-256) as the 256-bit little-endian integer it is compared as. */
export function powValue(header: Uint8Array): bigint {
  const hash = sha256(sha256(header));
  return BigInt(`0x${Buffer.from(hash).reverse().toString("hex")}`);
}

/** The target a share of difficulty `difficulty` must not exceed: DIFF1 / difficulty. */
export function targetForDifficulty(difficulty: number): bigint {
  if (!Number.isFinite(difficulty) || difficulty <= 0)
    throw new ShareFieldsError(`difficulty must be a positive number, got ${difficulty}`);
  const scaled = BigInt(Math.round(difficulty * 2 ** Number(SCALE_BITS)));
  if (scaled === 0n) throw new ShareFieldsError(`difficulty ${difficulty} is too small`);
  const target = (DIFF1_TARGET << SCALE_BITS) / scaled;
  return target > MAX_TARGET ? MAX_TARGET : target;
}

export function meetsDifficulty(header: Uint8Array, difficulty: number): boolean {
  return powValue(header) <= targetForDifficulty(difficulty);
}
