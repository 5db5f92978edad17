import { randomBytes } from "node:crypto";
import { Sv2Error } from "../errors.js";
import { baseMultiplyXOnly, isSecretKey, multiplyXOnly } from "./curve.js";
import { bytesToField, ellswiftDecodeX, ellswiftEncodeX, fieldToBytes, xswiftecInv as fieldXswiftecInv } from "./ellswift-field.js";
import { sha256 } from "./hash.js";

// ElligatorSwift encoding/decoding is ours (ellswift-field.ts, checked against every BIP324
// vector); the scalar multiplications go to libsecp256k1 (curve.ts; see README.md for figures).

export const ELLSWIFT_ENCODING_SIZE = 64;

export interface EllSwiftKeyPair {
  secretKey: Uint8Array;
  /** 64-byte ElligatorSwift encoding of the public key, as sent in the handshake. */
  ellswift: Uint8Array;
  /** 32-byte x coordinate of the public key (BIP340 x-only form). */
  xOnly: Uint8Array;
}

export function randomSecretKey(): Uint8Array {
  for (;;) {
    const candidate = new Uint8Array(randomBytes(32));
    if (isSecretKey(candidate)) return candidate;
  }
}

export function xOnlyPublicKey(secretKey: Uint8Array): Uint8Array {
  return baseMultiplyXOnly(secretKey);
}

/** A key pair with a fresh (random) ElligatorSwift encoding; pass `secretKey` to reuse a known key. */
export function ellswiftCreate(secretKey: Uint8Array = randomSecretKey()): EllSwiftKeyPair {
  const xOnly = xOnlyPublicKey(secretKey);
  return { secretKey, xOnly, ellswift: ellswiftEncodeX(bytesToField(xOnly)) };
}

/** Any 64 bytes decode to a valid x coordinate (BIP324 XSwiftEC). */
export function ellswiftDecode(encoding: Uint8Array): Uint8Array {
  if (encoding.length !== ELLSWIFT_ENCODING_SIZE)
    throw new Sv2Error("invalid_key", `ElligatorSwift encoding must be 64 bytes, got ${encoding.length}`);
  return fieldToBytes(ellswiftDecodeX(encoding));
}

/** x(secretKey · P) where P is either lift of the decoded x: parity does not change the x coordinate. */
export function ellswiftEcdhXonly(theirs: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return xonlyEcdh(ellswiftDecode(theirs), secretKey);
}

/** ECDH on an already decoded x coordinate, so a handshake decodes each peer key only once. */
export function xonlyEcdh(theirX: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return multiplyXOnly(theirX, secretKey);
}

const BIP324_TAG = sha256(new TextEncoder().encode("bip324_ellswift_xonly_ecdh"));

/**
 * BIP324 v2_ecdh = SV2's ECDH(): tagged hash of initiator encoding ‖ responder encoding ‖ x.
 * The order is by role, not by "ours first" — swapping it breaks the handshake silently.
 * Pass `theirX` when their encoding was already decoded.
 */
export function v2Ecdh(
  secretKey: Uint8Array,
  ours: Uint8Array,
  theirs: Uint8Array,
  initiating: boolean,
  theirX: Uint8Array = ellswiftDecode(theirs),
): Uint8Array {
  const x = xonlyEcdh(theirX, secretKey);
  const [a, b] = initiating ? [ours, theirs] : [theirs, ours];
  return sha256(BIP324_TAG, BIP324_TAG, a, b, x);
}

/** BIP324 XSwiftECInv(x, u, case): the t that encodes x together with u, or undefined. Exposed for conformance tests. */
export function xswiftecInv(x: Uint8Array, u: Uint8Array, ellCase: number): Uint8Array | undefined {
  const t = fieldXswiftecInv(bytesToField(x), bytesToField(u), ellCase);
  return t === undefined ? undefined : fieldToBytes(t);
}
