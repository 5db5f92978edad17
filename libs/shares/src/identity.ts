import { createHash } from "node:crypto";

/** Input a share identity cannot be derived from: a header that is not 80 bytes, a field over 65,535 bytes. */
export class ShareIdentityError extends Error {
  override readonly name = "ShareIdentityError";
}

/** share_id: single SHA-256 of the 80-byte header, hex (the proof-of-work dedup key). */
export function shareIdOf(header: Uint8Array): string {
  if (header.length !== 80) throw new ShareIdentityError(`a block header is 80 bytes, got ${header.length}`);
  return createHash("sha256").update(header).digest("hex");
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > 0xffff) throw new ShareIdentityError("field longer than 65535 bytes");
  const length = Buffer.alloc(2);
  length.writeUInt16LE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** event_id = SHA-256(share_id ‖ u16le(len) ‖ worker_id ‖ u16le(len) ‖ validation_level), hex. */
export function eventIdOf(shareIdHex: string, workerId: string, validationLevel: string): string {
  return createHash("sha256")
    .update(Buffer.from(shareIdHex, "hex"))
    .update(lengthPrefixed(workerId))
    .update(lengthPrefixed(validationLevel))
    .digest("hex");
}
