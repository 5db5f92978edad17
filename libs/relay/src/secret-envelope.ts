import { createCipheriv, createDecipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";
import { SecretFormatError } from "./errors.js";

const INFO = Buffer.from("gatehouse.relay.secret.v1");
const EPHEMERAL_KEY_BYTES = 65;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFor(shared: Buffer, ephemeralPublic: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, ephemeralPublic, INFO, 32));
}

/**
 * Encrypts a secret for an enclave (ECIES: ephemeral secp256k1 ECDH, HKDF-SHA256, AES-256-GCM).
 * Secrets are stored only in this form, so relay nodes never see plaintext. Returns base64 of
 * `ephemeral public key ‖ iv ‖ tag ‖ ciphertext`.
 */
export function encryptForEnclave(enclavePublicKeyHex: string, plaintext: Uint8Array): string {
  const ephemeral = createECDH("secp256k1");
  const ephemeralPublic = ephemeral.generateKeys();
  const shared = ephemeral.computeSecret(Buffer.from(enclavePublicKeyHex.replace(/^0x/, ""), "hex"));
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFor(shared, ephemeralPublic), iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([ephemeralPublic, iv, cipher.getAuthTag(), body]).toString("base64");
}

/** Inverse of encryptForEnclave, with the enclave's private key; throws if tampered with. */
export function decryptWithEnclaveKey(enclavePrivateKey: Uint8Array, envelope: string): Uint8Array {
  const bytes = Buffer.from(envelope, "base64");
  if (bytes.length < EPHEMERAL_KEY_BYTES + IV_BYTES + TAG_BYTES) throw new SecretFormatError("secret envelope is too short");
  const ephemeralPublic = bytes.subarray(0, EPHEMERAL_KEY_BYTES);
  const iv = bytes.subarray(EPHEMERAL_KEY_BYTES, EPHEMERAL_KEY_BYTES + IV_BYTES);
  const tag = bytes.subarray(EPHEMERAL_KEY_BYTES + IV_BYTES, EPHEMERAL_KEY_BYTES + IV_BYTES + TAG_BYTES);
  const body = bytes.subarray(EPHEMERAL_KEY_BYTES + IV_BYTES + TAG_BYTES);
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(Buffer.from(enclavePrivateKey));
  const decipher = createDecipheriv("aes-256-gcm", keyFor(ecdh.computeSecret(ephemeralPublic), ephemeralPublic), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
