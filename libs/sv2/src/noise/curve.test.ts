import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isSv2Error } from "../errors.js";
import { baseMultiplyXOnly, curveBackend, multiplyXOnly } from "./curve.js";
import { randomSecretKey } from "./ellswift.js";

describe("curve backends", () => {
  it("uses the native libsecp256k1 binding on this platform", () => {
    // linux-x64 ships a prebuilt addon; a silent fall back to WASM would cost ~0.5 ms per handshake.
    expect(curveBackend).toBe("native");
  });

  it("native and WASM agree on base and variable-base multiplication", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const a = randomSecretKey();
        const b = randomSecretKey();
        const xa = baseMultiplyXOnly(a, "native");
        expect(baseMultiplyXOnly(a, "wasm")).toEqual(xa);
        expect(multiplyXOnly(xa, b, "native")).toEqual(multiplyXOnly(xa, b, "wasm"));
        // ECDH symmetry: b·(a·G) = a·(b·G).
        expect(multiplyXOnly(xa, b)).toEqual(multiplyXOnly(baseMultiplyXOnly(b), a));
      }),
      { numRuns: 50 },
    );
  });

  it("rejects invalid scalars and x coordinates off the curve with typed errors on both backends", () => {
    const order = Uint8Array.from(Buffer.from("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", "hex"));
    const offCurve = Uint8Array.from(Buffer.from(`${"00".repeat(31)}05`, "hex")); // 5³+7 = 132 is not a square mod p
    for (const backend of ["native", "wasm"] as const) {
      for (const f of [
        () => baseMultiplyXOnly(new Uint8Array(32), backend),
        () => baseMultiplyXOnly(order, backend),
        () => multiplyXOnly(offCurve, randomSecretKey(), backend),
      ]) {
        let error: unknown;
        try {
          f();
        } catch (err) {
          error = err;
        }
        expect(isSv2Error(error, "invalid_key")).toBe(true);
      }
    }
  });
});
