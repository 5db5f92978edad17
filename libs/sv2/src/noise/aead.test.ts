import { randomBytes } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { type Aead, AeadTagMismatch, aead, libsodiumAead, MAC_LENGTH, nodeAead } from "./aead.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ""), "hex"));

// RFC 8439 §2.8.2, "Example and Test Vector for AEAD_CHACHA20_POLY1305".
const RFC8439 = {
  key: Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i),
  nonce: hex("07000000 40414243 44454647"),
  ad: hex("50515253 c0c1c2c3 c4c5c6c7"),
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  sealed: hex(`
    d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6 3dbea45e8ca9671282fafb69da92728b
    1a71de0a9e060b2905d6a5b67ecd3b36 92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b 6116
    1ae10b594f09e26a7e902ecbd0600691`),
};

const backends: Aead[] = [nodeAead, ...(libsodiumAead ? [libsodiumAead] : [])];

describe("the AEAD backend", () => {
  it("is libsodium on this platform (its prebuilt addon loads)", () => {
    expect(aead.name).toBe("libsodium");
  });
});

describe.each(backends.map((b) => [b.name, b] as const))("ChaCha20-Poly1305 through %s", (_name, backend) => {
  it("seals and opens RFC 8439's test vector, writing at the offset given", () => {
    const out = new Uint8Array(3 + RFC8439.sealed.length);
    expect(backend.seal(RFC8439.key, RFC8439.nonce, RFC8439.ad, RFC8439.plaintext, out, 3)).toBe(RFC8439.sealed.length);
    expect(out.subarray(3)).toEqual(RFC8439.sealed);
    expect(out.subarray(0, 3)).toEqual(new Uint8Array(3));
    expect(backend.open(RFC8439.key, RFC8439.nonce, RFC8439.ad, RFC8439.sealed)).toEqual(RFC8439.plaintext);
  });

  it("refuses a flipped bit anywhere, a wrong associated data or nonce, with AeadTagMismatch", () => {
    for (const at of [0, 57, RFC8439.sealed.length - 1]) {
      const tampered = RFC8439.sealed.slice();
      tampered[at] = (tampered[at] as number) ^ 1;
      expect(() => backend.open(RFC8439.key, RFC8439.nonce, RFC8439.ad, tampered)).toThrow(AeadTagMismatch);
    }
    expect(() => backend.open(RFC8439.key, RFC8439.nonce, new Uint8Array(), RFC8439.sealed)).toThrow(AeadTagMismatch);
    expect(() => backend.open(RFC8439.key, new Uint8Array(12), RFC8439.ad, RFC8439.sealed)).toThrow(AeadTagMismatch);
  });

  it("agrees with node:crypto on empty and frame-sized plaintexts without associated data, as SV2 frames use it", () => {
    for (const size of [0, 6, 24, 1_000, 65_519]) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const plaintext = randomBytes(size);
      const ours = new Uint8Array(size + MAC_LENGTH);
      const reference = new Uint8Array(size + MAC_LENGTH);
      backend.seal(key, nonce, new Uint8Array(), plaintext, ours, 0);
      nodeAead.seal(key, nonce, new Uint8Array(), plaintext, reference, 0);
      expect(Buffer.from(ours).equals(Buffer.from(reference))).toBe(true);
      expect(Buffer.from(backend.open(key, nonce, new Uint8Array(), ours)).equals(plaintext)).toBe(true);
    }
  });
});
