import { schnorr as nobleSchnorr } from "@noble/curves/secp256k1.js";
import * as ecc from "tiny-secp256k1";
import { Sv2Error } from "../errors.js";

// BIP340 through libsecp256k1 (tiny-secp256k1) for the 32-byte digests SV2 signs; libsecp256k1's
// binding only takes 32-byte messages, so other lengths (only in BIP340's own vectors) go to noble.

export function bip340Sign(message: Uint8Array, secretKey: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  if (!ecc.isPrivate(secretKey)) throw new Sv2Error("invalid_key", "signing key is not a valid secp256k1 scalar");
  if (message.length === 32) return ecc.signSchnorr(message, secretKey, auxRand);
  return nobleSchnorr.sign(message, secretKey, auxRand);
}

/** False for any invalid signature, key or message; never throws. */
export function bip340Verify(signature: Uint8Array, message: Uint8Array, xOnlyPublicKey: Uint8Array): boolean {
  if (signature.length !== 64 || xOnlyPublicKey.length !== 32) return false;
  try {
    if (message.length === 32) return ecc.verifySchnorr(message, xOnlyPublicKey, signature);
    return nobleSchnorr.verify(signature, message, xOnlyPublicKey);
  } catch {
    return false;
  }
}
