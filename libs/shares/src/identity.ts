import { hash } from "node:crypto";

/** Input a share identity cannot be derived from: a header that is not 80 bytes, a field over 65,535 bytes. */
export class ShareIdentityError extends Error {
  override readonly name = "ShareIdentityError";
}

/** share_id: single SHA-256 of the 80-byte header, hex (the proof-of-work dedup key). */
export function shareIdOf(header: Uint8Array): string {
  if (header.length !== 80) throw new ShareIdentityError(`a block header is 80 bytes, got ${header.length}`);
  // One-shot crypto.hash (Node ≥ 20.12; engines asks ≥ 20.19): no Hash object per share.
  return hash("sha256", header, "hex");
}

/** event_id = SHA-256(share_id ‖ u16le(len) ‖ worker_id ‖ u16le(len) ‖ validation_level), hex. */
export function eventIdOf(shareIdHex: string, workerId: string, validationLevel: string): string {
  // One buffer hashed once: the edge derives an event_id for every accepted share.
  const shareId = Buffer.from(shareIdHex, "hex");
  const worker = Buffer.byteLength(workerId, "utf8");
  const level = Buffer.byteLength(validationLevel, "utf8");
  if (worker > 0xffff || level > 0xffff) throw new ShareIdentityError("field longer than 65535 bytes");
  const input = Buffer.allocUnsafe(shareId.length + 2 + worker + 2 + level);
  let at = shareId.copy(input, 0);
  at = input.writeUInt16LE(worker, at);
  at += input.write(workerId, at, "utf8");
  at = input.writeUInt16LE(level, at);
  input.write(validationLevel, at, "utf8");
  return hash("sha256", input, "hex");
}
