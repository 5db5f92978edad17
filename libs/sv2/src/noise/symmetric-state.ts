import { Sv2Error } from "../errors.js";
import { CipherState } from "./cipher-state.js";
import { hkdf2, sha256 } from "./hash.js";

export const PROTOCOL_NAME = "Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256";

const EMPTY = new Uint8Array(0);

/** Noise SymmetricState: chaining key, handshake hash and the current handshake cipher. */
export class SymmetricState {
  ck: Uint8Array;
  h: Uint8Array;
  private cipher: CipherState | undefined;

  /** ck = SHA256(name) (the name is longer than a hash, so Noise hashes it); h = SHA256(ck). */
  constructor() {
    this.ck = sha256(new TextEncoder().encode(PROTOCOL_NAME));
    this.h = sha256(this.ck);
  }

  /** Also applied to empty data: that still changes h. */
  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, key] = hkdf2(this.ck, ikm);
    this.ck = ck;
    this.cipher = new CipherState(key);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher ? this.cipher.encryptWithAd(this.h, plaintext) : plaintext;
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array, what: string): Uint8Array {
    let plaintext = ciphertext;
    if (this.cipher) {
      try {
        plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
      } catch {
        throw new Sv2Error("handshake_failed", `${what} failed authentication`);
      }
    }
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** (initiator→responder, responder→initiator) transport ciphers, both at nonce 0. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.ck, EMPTY);
    return [new CipherState(k1), new CipherState(k2)];
  }
}
