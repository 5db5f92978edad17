import { Sv2Error } from "../errors.js";
import { type Aead, AeadTagMismatch, aead as defaultAead, MAC_LENGTH } from "./aead.js";

export { MAC_LENGTH };

/**
 * Noise reserves nonce 2^64−1; a JS number counter stays exact only up to 2^53−1, so we stop
 * there instead (unreachable in practice: 285 years at a million frames per second), which
 * guarantees a nonce is never reused and the counter never loses precision.
 */
export const MAX_NONCE = Number.MAX_SAFE_INTEGER;

/** ChaCha20-Poly1305 (RFC 8439) with Noise's 12-byte nonce: 4 zero bytes ‖ LE64(n). */
export class CipherState {
  private readonly nonceBytes = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonceBytes.buffer);

  constructor(
    private readonly key: Uint8Array,
    private n = 0,
    private readonly aead: Aead = defaultAead,
  ) {
    if (key.length !== 32) throw new Sv2Error("invalid_argument", "cipher key must be 32 bytes");
  }

  get nonce(): number {
    return this.n;
  }

  private nextNonce(): Uint8Array {
    if (this.n >= MAX_NONCE) throw new Sv2Error("nonce_exhausted", "cipher nonce counter exhausted; the connection must be closed");
    this.nonceView.setUint32(4, this.n % 0x1_0000_0000, true);
    this.nonceView.setUint32(8, Math.floor(this.n / 0x1_0000_0000), true);
    return this.nonceBytes;
  }

  /** Returns ciphertext ‖ 16-byte tag; consumes one nonce. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + MAC_LENGTH);
    this.encryptInto(ad, plaintext, out, 0);
    return out;
  }

  /** Writes ciphertext ‖ tag at `out[at..]`, avoiding an extra copy on the framed send path. */
  encryptInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, at: number): number {
    const written = this.aead.seal(this.key, this.nextNonce(), ad, plaintext, out, at);
    this.n += 1;
    return written;
  }

  /** Throws decrypt_failed on a bad tag; the nonce is consumed only on success. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (ciphertext.length < MAC_LENGTH)
      throw new Sv2Error("decrypt_failed", `ciphertext of ${ciphertext.length} bytes is shorter than its tag`);
    let plaintext: Uint8Array;
    try {
      plaintext = this.aead.open(this.key, this.nextNonce(), ad, ciphertext);
    } catch (err) {
      if (err instanceof AeadTagMismatch) throw new Sv2Error("decrypt_failed", err.message);
      throw err;
    }
    this.n += 1;
    return plaintext;
  }
}
