import { nativeSecp256k1 as native } from "@gatehouse/secp256k1";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { KeyFormatError, SignatureFormatError } from "./errors.js";
import { keccak256 } from "./keccak.js";

// Signing and recovery run on every relay response: the native libsecp256k1 binding measured 8-16x
// faster than noble here. Where it does not load, noble does the same arithmetic.

export type EcdsaBackend = "native" | "noble";
/** Which implementation signs and recovers: reported by benchmarks. */
export const ecdsaBackend: EcdsaBackend = native ? "native" : "noble";

/**
 * The one EVM address rule of the relay packages: 0x (either case, as the gateway has always
 * taken it) and 20 bytes of hex in any case, no EIP-55 checksum check. As a pattern string too,
 * for schemas and documents that need one.
 */
export const ADDRESS_PATTERN = "^0[xX][0-9a-fA-F]{40}$";
const ADDRESS = new RegExp(ADDRESS_PATTERN);
const encoder = new TextEncoder();

/** Whether `value` is a 0x-prefixed 20-byte hex address (any case). */
export function isAddress(value: string): boolean {
  return ADDRESS.test(value);
}

/** keccak256("\x19Ethereum Signed Message:\n" + len(message) + message), EIP-191 version 0x45. */
export function personalMessageHash(message: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`\x19Ethereum Signed Message:\n${message.length}`);
  const buffer = new Uint8Array(prefix.length + message.length);
  buffer.set(prefix, 0);
  buffer.set(message, prefix.length);
  return keccak256(buffer);
}

function addressFromUncompressed(point: Uint8Array): string {
  return `0x${Buffer.from(keccak256(point.subarray(1)).subarray(12)).toString("hex")}`;
}

/** Ethereum address of an uncompressed (65-byte) or compressed (33-byte) secp256k1 public key. */
export function addressFromPublicKey(publicKey: Uint8Array): string {
  return addressFromUncompressed(secp256k1.Point.fromBytes(publicKey).toBytes(false));
}

/** Uncompressed (65-byte) public key of a private key, as hex without 0x. */
export function publicKeyHex(privateKey: Uint8Array): string {
  return Buffer.from(secp256k1.getPublicKey(privateKey, false)).toString("hex");
}

export function addressFromPrivateKey(privateKey: Uint8Array): string {
  return addressFromPublicKey(secp256k1.getPublicKey(privateKey, false));
}

/** Parses a 32-byte hex private key (with or without 0x) and checks it is a valid scalar. */
export function parsePrivateKey(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/.test(clean)) throw new KeyFormatError("private key must be 32 bytes of hex");
  const key = Uint8Array.from(Buffer.from(clean, "hex"));
  if (!secp256k1.utils.isValidSecretKey(key)) throw new KeyFormatError("private key is not a valid secp256k1 scalar");
  return key;
}

/** A 65-byte `r ‖ s ‖ v` signature (v = 27 or 28) over the EIP-191 hash of `message`. */
export function signPersonal(privateKey: Uint8Array, message: Uint8Array, backend: EcdsaBackend = ecdsaBackend): Uint8Array {
  const hash = personalMessageHash(message);
  const signature = new Uint8Array(65);
  if (backend === "native" && native) {
    const { signature: compact, recid } = native.ecdsaSign(hash, privateKey);
    signature.set(compact, 0);
    signature[64] = recid + 27;
    return signature;
  }
  const recovered = secp256k1.sign(hash, privateKey, { prehash: false, format: "recovered" });
  signature.set(recovered.subarray(1), 0);
  signature[64] = (recovered[0] ?? 0) + 27;
  return signature;
}

/**
 * The address that signed `message`, or a SignatureFormatError saying why the signature is unusable. V may be
 * 0, 1, 27 or 28; anything else is rejected (as go-ethereum's signature recovery in the Chainlink gateway's `common/utils.go`).
 */
export function recoverPersonalSigner(message: Uint8Array, signature: Uint8Array, backend: EcdsaBackend = ecdsaBackend): string {
  if (signature.length !== 65) throw new SignatureFormatError(`invalid signature: length ${signature.length}, want 65`);
  const v = signature[64] ?? 255;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new SignatureFormatError("invalid signature: invalid V component");
  const hash = personalMessageHash(message);
  if (backend === "native" && native) {
    let publicKey: Uint8Array;
    try {
      publicKey = native.ecdsaRecover(signature.subarray(0, 64), recovery, hash, false);
    } catch (err) {
      throw new SignatureFormatError(`invalid signature: ${(err as Error).message}`);
    }
    return addressFromUncompressed(publicKey);
  }
  const compact = new Uint8Array(65);
  compact[0] = recovery;
  compact.set(signature.subarray(0, 64), 1);
  return addressFromPublicKey(secp256k1.recoverPublicKey(compact, hash, { prehash: false }));
}
