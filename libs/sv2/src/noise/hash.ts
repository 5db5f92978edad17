import { createHash, createHmac } from "node:crypto";

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/** Noise HKDF with two outputs and empty info: t = HMAC(ck, ikm); o1 = HMAC(t, 1); o2 = HMAC(t, o1 ‖ 2). */
export function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmacSha256(chainingKey, ikm);
  const o1 = hmacSha256(temp, ONE);
  const o2 = hmacSha256(temp, o1, TWO);
  return [o1, o2];
}
