import { createCipheriv, createDecipheriv } from "node:crypto";
import { createRequire } from "node:module";

// ChaCha20-Poly1305 with a 12-byte nonce (RFC 8439, libsodium's "IETF" construction), the AEAD of
// Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256. libsodium's one-shot calls (the `sodium-native`
// addon, prebuilt for linux-x64) write into the caller's buffer; node:crypto needs a cipher object
// per operation (one per encrypted frame header and payload) and measured about 5× the CPU per
// seal and open of a small frame here (libs/sv2 README). Where the addon does not load, node:crypto does the work.

export const MAC_LENGTH = 16;

/** Thrown by `open` when the tag does not authenticate the ciphertext and associated data. */
export class AeadTagMismatch extends Error {
  override readonly name = "AeadTagMismatch";
}

export interface Aead {
  readonly name: "libsodium" | "node";
  /** Writes ciphertext ‖ tag of `plaintext` at `out[at..]` and answers its length. */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, at: number): number;
  /** The plaintext of `sealed` (ciphertext ‖ tag, at least MAC_LENGTH bytes); AeadTagMismatch when it does not authenticate. */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array;
}

interface SodiumNative {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

function sodiumAead(sodium: SodiumNative): Aead {
  return {
    name: "libsodium",
    seal(key, nonce, ad, plaintext, out, at) {
      const length = plaintext.length + MAC_LENGTH;
      const target = out.subarray(at, at + length);
      return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(target, plaintext, ad.length > 0 ? ad : null, null, nonce, key);
    },
    open(key, nonce, ad, sealed) {
      const plaintext = new Uint8Array(sealed.length - MAC_LENGTH);
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(plaintext, null, sealed, ad.length > 0 ? ad : null, nonce, key);
      } catch {
        throw new AeadTagMismatch("authentication tag mismatch");
      }
      return plaintext;
    },
  };
}

export const nodeAead: Aead = {
  name: "node",
  seal(key, nonce, ad, plaintext, out, at) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: MAC_LENGTH });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    cipher.final();
    out.set(body, at);
    out.set(cipher.getAuthTag(), at + body.length);
    return body.length + MAC_LENGTH;
  },
  open(key, nonce, ad, sealed) {
    const bodyLength = sealed.length - MAC_LENGTH;
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: MAC_LENGTH });
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: bodyLength });
    decipher.setAuthTag(sealed.subarray(bodyLength));
    const body = decipher.update(sealed.subarray(0, bodyLength));
    try {
      decipher.final();
    } catch {
      throw new AeadTagMismatch("authentication tag mismatch");
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  },
};

function loadSodium(): Aead | undefined {
  try {
    return sodiumAead(createRequire(import.meta.url)("sodium-native") as SodiumNative);
  } catch {
    return undefined;
  }
}

/** libsodium's when its addon loads, else node:crypto's. */
export const libsodiumAead: Aead | undefined = loadSodium();
export const aead: Aead = libsodiumAead ?? nodeAead;
