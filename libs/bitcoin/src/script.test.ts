import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { toHex } from "./bytes.js";
import { bip34HeightScript, legacySigops, parseBip34Height } from "./script.js";

describe("BIP34 height push", () => {
  it("matches Core's `CScript() << height` encodings", () => {
    expect(toHex(bip34HeightScript(0))).toBe("00");
    expect(toHex(bip34HeightScript(1))).toBe("51");
    expect(toHex(bip34HeightScript(16))).toBe("60");
    expect(toHex(bip34HeightScript(17))).toBe("0111");
    expect(toHex(bip34HeightScript(128))).toBe("028000");
    expect(toHex(bip34HeightScript(227_931))).toBe("035b7a03");
  });

  it("parses back every height, ignoring bytes after the push", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.uint8Array({ maxLength: 20 }), (height, tail) => {
        expect(parseBip34Height(Uint8Array.of(...bip34HeightScript(height), ...tail))).toBe(height);
      }),
    );
  });

  it("rejects non-minimal and non-push starts", () => {
    expect(parseBip34Height(Uint8Array.of(0x02, 0x11, 0x00))).toBeNull();
    expect(parseBip34Height(Uint8Array.of(0x01, 0x05))).toBeNull();
    expect(parseBip34Height(Uint8Array.of(0x6a))).toBeNull();
    expect(parseBip34Height(Uint8Array.of(0x03, 0x01))).toBeNull();
    expect(parseBip34Height(new Uint8Array(0))).toBeNull();
  });
});

describe("legacy sigops", () => {
  it("counts CHECKSIG as 1 and CHECKMULTISIG as 20, skipping pushed data", () => {
    expect(legacySigops(Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0xac), 0x88, 0xac))).toBe(1);
    expect(legacySigops(Uint8Array.of(0x52, 0xae))).toBe(20);
    expect(legacySigops(Uint8Array.of(0x4c, 0x02, 0xac, 0xac, 0xad))).toBe(1);
  });
});
