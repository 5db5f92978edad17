import { nativeSecp256k1 as native } from "@gatehouse/secp256k1";
import * as wasm from "tiny-secp256k1";
import { Sv2Error } from "../errors.js";

// The two scalar multiplications a handshake needs (base point for key generation, variable base
// for ECDH). The native libsecp256k1 binding measured 4–5× faster than the WASM build here; where it
// does not load we use the WASM build rather than the secp256k1 package's own pure-JS fallback, which
// is slower still.

/** Which implementation does the multiplications: reported by benchmarks and logs. */
export const curveBackend: "native" | "wasm" = native ? "native" : "wasm";

export function isSecretKey(secretKey: Uint8Array): boolean {
  return secretKey.length === 32 && wasm.isPrivate(secretKey);
}

function checkSecretKey(secretKey: Uint8Array): void {
  if (!isSecretKey(secretKey)) throw new Sv2Error("invalid_key", "secret key is not a valid secp256k1 scalar");
}

/** x(secretKey · G). */
export function baseMultiplyXOnly(secretKey: Uint8Array, backend: "native" | "wasm" = curveBackend): Uint8Array {
  checkSecretKey(secretKey);
  const point = backend === "native" && native ? native.publicKeyCreate(secretKey, true) : wasm.pointFromScalar(secretKey, true);
  if (!point) throw new Sv2Error("invalid_key", "secret key yields the point at infinity");
  return point.slice(1);
}

/** x(secretKey · P) for either lift P of x: the parity of P does not change the result's x. */
export function multiplyXOnly(x: Uint8Array, secretKey: Uint8Array, backend: "native" | "wasm" = curveBackend): Uint8Array {
  checkSecretKey(secretKey);
  const point = new Uint8Array(33);
  point[0] = 0x02;
  point.set(x, 1);
  let shared: Uint8Array | null;
  try {
    shared = backend === "native" && native ? native.publicKeyTweakMul(point, secretKey, true) : wasm.pointMultiply(point, secretKey, true);
  } catch (err) {
    throw new Sv2Error("invalid_key", `ECDH failed: ${(err as Error).message}`);
  }
  if (!shared) throw new Sv2Error("invalid_key", "ECDH produced the point at infinity");
  return shared.slice(1);
}
