import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isPoint } from "tiny-secp256k1";
import { decodeAuthorityPublicKey, decodeSecretKey, encodeAuthorityPublicKey } from "./authority-key.js";
import { ellswiftCreate, ellswiftDecode, ellswiftEcdhXonly, v2Ecdh, xOnlyPublicKey, xswiftecInv } from "./ellswift.js";
import { sha256 } from "./hash.js";
import { bip340Sign, bip340Verify } from "./schnorr.js";
import { PROTOCOL_NAME, SymmetricState } from "./symmetric-state.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function csv(relative: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(new URL(`./vectors/${relative}`, import.meta.url), "utf8")
    .trim()
    .split(/\r?\n/);
  const columns = (head as string).split(",");
  return rows.map((line) => {
    const cells = line.split(",");
    if (cells.length !== columns.length) throw new Error(`${relative}: row has ${cells.length} cells, header ${columns.length}`);
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] as string]));
  });
}

describe("BIP324 ElligatorSwift vectors", () => {
  const decodeRows = csv("ellswift_decode_test_vectors.csv");
  it("has every decode row", () => expect(decodeRows).toHaveLength(76));
  it.each(decodeRows.map((r, i) => [i, r] as const))("decode row %i", (_i, row) => {
    expect(toHex(ellswiftDecode(hex(row.ellswift as string)))).toBe(row.x);
  });

  const invRows = csv("xswiftec_inv_test_vectors.csv");
  it("has every XSwiftECInv row", () => expect(invRows).toHaveLength(32));
  it.each(invRows.map((r, i) => [i, r] as const))("XSwiftECInv row %i, all 8 cases", (_i, row) => {
    for (let c = 0; c < 8; c++) {
      const t = xswiftecInv(hex(row.x as string), hex(row.u as string), c);
      const expected = row[`case${c}_t`];
      expect(t === undefined ? "" : toHex(t)).toBe(expected);
    }
  });

  const packetRows = csv("packet_encoding_test_vectors.csv");
  it("has every packet row", () => expect(packetRows).toHaveLength(7));
  it.each(packetRows.map((r) => [r.in_idx, r] as const))("packet row %s: x-only ECDH and v2_ecdh", (_i, row) => {
    const priv = hex(row.in_priv_ours as string);
    const ours = hex(row.in_ellswift_ours as string);
    const theirs = hex(row.in_ellswift_theirs as string);
    expect(toHex(xOnlyPublicKey(priv))).toBe(row.mid_x_ours);
    expect(toHex(ellswiftDecode(ours))).toBe(row.mid_x_ours);
    expect(toHex(ellswiftDecode(theirs))).toBe(row.mid_x_theirs);
    expect(toHex(ellswiftEcdhXonly(theirs, priv))).toBe(row.mid_x_shared);
    expect(toHex(v2Ecdh(priv, ours, theirs, row.in_initiating === "1"))).toBe(row.mid_shared_secret);
  });
});

describe("ElligatorSwift properties", () => {
  it("every fresh encoding decodes to its key's x, and two encodings of one key differ", () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const key = ellswiftCreate();
        expect(ellswiftDecode(key.ellswift)).toEqual(key.xOnly);
        expect(ellswiftCreate(key.secretKey).ellswift).not.toEqual(key.ellswift);
      }),
      { numRuns: 40 },
    );
  });

  it("any 64 bytes decode to the X coordinate of a curve point", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(isPoint(Uint8Array.of(0x02, ...ellswiftDecode(bytes)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("BIP340 vectors", () => {
  const rows = csv("bip340_test_vectors.csv");
  it("has every row", () => expect(rows).toHaveLength(19));
  it.each(rows.map((r) => [r.index, r] as const))("row %s", (_i, row) => {
    const message = hex(row.message as string);
    const publicKey = hex(row["public key"] as string);
    const signature = hex(row.signature as string);
    const valid = row["verification result"] === "TRUE";
    if (row["secret key"]) {
      const secret = hex(row["secret key"]);
      expect(toHex(xOnlyPublicKey(secret))).toBe(toHex(publicKey));
      expect(toHex(bip340Sign(message, secret, hex(row.aux_rand as string)))).toBe(toHex(signature));
    }
    expect(bip340Verify(signature, message, publicKey)).toBe(valid);
  });
});

describe("SV2 constants and key encodings (SV2 §4.3, §4.5, §4.7)", () => {
  it("hashes the protocol name and derives the initial h", () => {
    expect(PROTOCOL_NAME).toHaveLength(45);
    const state = new SymmetricState();
    expect(toHex(state.ck)).toBe("2eb47881208e9eee1f669f67c66ee70ea9ea88090d503fe830dc4bc83e29bf10");
    expect(toHex(state.h)).toBe("922fa32e4f487c0d59caa3bed7899ce3d98db7e13dbd3b7cf2d23dd433dc6104");
    expect(state.h).toEqual(sha256(state.ck));
  });

  it("encodes the spec's authority key vector", () => {
    const x = hex("76637000979c1c11af0c300bcd8c7fe48610fce9b9c11e3daee35ae0b08a7455");
    expect(encodeAuthorityPublicKey(x)).toBe("9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh");
    expect(decodeAuthorityPublicKey("9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXh")).toEqual(x);
  });

  it("reads SRI's example pool keypair", () => {
    const secret = decodeSecretKey("mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n");
    expect(toHex(secret)).toBe("65995eb19631f478a46ffa5cf1e545091efe950eaeac7482ffdc06eb6a89f697");
    const x = decodeAuthorityPublicKey("9auqWEzQDVyd2oe1JVGFLMLHZtCo2FFqZwtKA5gd9xbuEu7PH72");
    expect(toHex(x)).toBe("24ee3c3804a1aaa4c03b80ea19f7a5863c916e8994b7db94a3bad7ee092b6ce7");
    expect(xOnlyPublicKey(secret)).toEqual(x);
  });

  it("rejects a corrupted authority key with a typed error", () => {
    expect(() => decodeAuthorityPublicKey("9bXiEd8boQVhq7WddEcERUL5tyyJVFYdU8th3HfbNXK3Yw6GRXi")).toThrow(
      /invalid_key: base58check checksum/,
    );
    expect(() => decodeAuthorityPublicKey("0OIl")).toThrow(/invalid_key: invalid base58 character/);
    expect(() => decodeAuthorityPublicKey("mkDLTBBRxdBv998612qipDYoTK3YUrqLe8uWw7gu3iXbSrn2n")).toThrow(/invalid_key/);
  });
});
