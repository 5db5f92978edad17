import { createRequire } from "node:module";

/**
 * The operations of libsecp256k1 (through the `secp256k1` package's native addon) that Gatehouse uses.
 * Keys, hashes and points are byte arrays; a signature is 64 bytes, r ‖ s, with s in the lower half
 * of the order. Signing uses libsecp256k1's default nonce, RFC 6979 with HMAC-SHA256, so a signature
 * is the same as any other RFC 6979 signer's (noble's, go-ethereum's).
 */
export interface NativeSecp256k1 {
  ecdsaSign(hash: Uint8Array, secretKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, hash: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(secretKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
}

function load(): NativeSecp256k1 | undefined {
  try {
    // bindings.js throws when the addon is missing, unlike the package's index.js, which would quietly
    // fall back to its own pure-JS implementation (slower than each caller's chosen fallback).
    return createRequire(import.meta.url)("secp256k1/bindings.js") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

/**
 * The native binding, or undefined where its addon did not build or load; each caller then uses its
 * own fallback (noble in libs/relay and the orchestrator, tiny-secp256k1's WASM in libs/sv2).
 */
export const nativeSecp256k1: NativeSecp256k1 | undefined = load();
