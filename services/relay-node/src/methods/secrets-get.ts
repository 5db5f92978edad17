import {
  attestationUserData,
  type JsonObject,
  METHOD_SECRETS_GET,
  ParamsError,
  parseSecretsParams,
  parseStoredSecret,
  type SecretsResponseResult,
  secretField,
  secretHashKey,
} from "@gatehouse/relay";
import type { Redis } from "@gatehouse/service";
import { AttestationError, type AttestationVerifier } from "../attestation/verifier.js";
import { internalError, invalidParams } from "./errors.js";

/**
 * `confidential.secrets.get`: checks the attestation, reads the owner's secrets (stored encrypted
 * for the enclave) and translates them into the reference's result shape. Any missing secret, or
 * one encrypted for another enclave key, fails the whole request, as Chainlink's relay node handler does.
 */
export async function secretsGet(params: JsonObject, verifier: AttestationVerifier, redis: Redis): Promise<SecretsResponseResult> {
  let parsed: ReturnType<typeof parseSecretsParams>;
  try {
    parsed = parseSecretsParams(params);
  } catch (err) {
    if (err instanceof ParamsError) throw invalidParams(err.message);
    throw err;
  }
  try {
    verifier.verify(parsed.attestation, attestationUserData(METHOD_SECRETS_GET, params));
  } catch (err) {
    // An attestation that does not verify is the caller's fault: invalid params, not a server error.
    if (err instanceof AttestationError) throw invalidParams(err.message);
    throw err;
  }
  const fields = parsed.secrets.map((s) => secretField(s.namespace, s.key));
  const values = await redis.hmget(secretHashKey(parsed.owner), ...fields);
  const enclaveKey = parsed.enclave_public_key;
  return {
    secrets: parsed.secrets.map((id, i) => {
      const raw = values[i];
      if (raw === null || raw === undefined) throw invalidParams(`secret not found: ${id.namespace}/${id.key}`);
      const stored = parseStoredSecret(raw);
      if (stored.enclave_public_key !== enclaveKey)
        throw internalError(`secret ${id.namespace}/${id.key} has no shares for this enclave key`);
      return { id, ciphertext: stored.ciphertext, encrypted_shares: stored.encrypted_shares };
    }),
  };
}
