import { SecretFormatError } from "./errors.js";
import { encryptForEnclave } from "./secret-envelope.js";

/**
 * How secrets sit in Redis (written by `gatehouse relay put-secret`, read by relay nodes): one hash
 * per owner, one field per `namespace/key`, each value a record already encrypted for an enclave.
 */
export function secretHashKey(owner: string): string {
  return `relay:secrets:${owner.toLowerCase()}`;
}

export function secretField(namespace: string, key: string): string {
  return `${namespace}/${key}`;
}

export interface StoredSecret {
  /** base64 envelope (see encryptForEnclave). */
  ciphertext: string;
  /** base64 key shares for threshold decryption; empty when the secret is encrypted to one enclave key. */
  encrypted_shares: string[];
  /** Hex public key of the enclave the secret is encrypted for. */
  enclave_public_key: string;
}

export function parseStoredSecret(text: string): StoredSecret {
  const value = JSON.parse(text) as Partial<StoredSecret>;
  if (typeof value.ciphertext !== "string" || typeof value.enclave_public_key !== "string" || !Array.isArray(value.encrypted_shares)) {
    throw new SecretFormatError("stored secret record is malformed");
  }
  return {
    ciphertext: value.ciphertext,
    encrypted_shares: value.encrypted_shares.map(String),
    enclave_public_key: value.enclave_public_key.toLowerCase(),
  };
}

/** The one Redis call storing a secret needs, so any client (prefixed or not) can do it. */
export interface SecretWriter {
  hset(key: string, field: string, value: string): Promise<unknown>;
}

/** Encrypts `value` for the enclave's public key and stores it as `owner`'s `namespace/key`. */
export async function putSecret(
  redis: SecretWriter,
  owner: string,
  id: { namespace: string; key: string },
  value: Uint8Array,
  enclavePublicKeyHex: string,
): Promise<StoredSecret> {
  const publicKey = enclavePublicKeyHex.replace(/^0x/, "").toLowerCase();
  const record: StoredSecret = { ciphertext: encryptForEnclave(publicKey, value), encrypted_shares: [], enclave_public_key: publicKey };
  await redis.hset(secretHashKey(owner), secretField(id.namespace, id.key), JSON.stringify(record));
  return record;
}
