import { Sv2Error } from "../errors.js";
import { base58CheckDecode, base58CheckEncode } from "./base58.js";

/** Authority public keys are published as base58check(U16 LE version 1 ‖ x-only key). */
const AUTHORITY_KEY_VERSION = Uint8Array.of(0x01, 0x00);

export function encodeAuthorityPublicKey(xOnly: Uint8Array): string {
  if (xOnly.length !== 32) throw new Sv2Error("invalid_key", "authority public key must be 32-byte x-only");
  const payload = new Uint8Array(34);
  payload.set(AUTHORITY_KEY_VERSION);
  payload.set(xOnly, 2);
  return base58CheckEncode(payload);
}

export function decodeAuthorityPublicKey(text: string): Uint8Array {
  const payload = base58CheckDecode(text);
  if (payload.length !== 34 || payload[0] !== 0x01 || payload[1] !== 0x00) {
    throw new Sv2Error("invalid_key", "authority public key must be base58check of 01 00 ‖ 32-byte x-only key");
  }
  return payload.slice(2);
}

/** Secret keys use SRI's form: base58check of the raw 32 bytes, no prefix. */
export function encodeSecretKey(secretKey: Uint8Array): string {
  if (secretKey.length !== 32) throw new Sv2Error("invalid_key", "secret key must be 32 bytes");
  return base58CheckEncode(secretKey);
}

export function decodeSecretKey(text: string): Uint8Array {
  const payload = base58CheckDecode(text);
  if (payload.length !== 32) throw new Sv2Error("invalid_key", "secret key must be base58check of 32 bytes");
  return payload;
}
