import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical.js";
import { recoverPersonalSigner, signPersonal } from "./eip191.js";
import type { JsonObject } from "./jsonrpc.js";
import { ATTESTATION_DOMAIN, type RelayMethod } from "./methods.js";

/** Prefix of every attestation user-data hash (chainlink-common teeattestation). */
export const ATTESTATION_DOMAIN_SEPARATOR = "CONFIDENTIAL_COMPUTE_PAYLOAD";

function u64be(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** sha256(separator ‖ u64be(len tag) ‖ tag ‖ u64be(len data) ‖ data), the length-prefixed DomainHash. */
export function domainHash(tag: string, data: Uint8Array): Uint8Array {
  const tagBytes = Buffer.from(tag, "utf8");
  return createHash("sha256")
    .update(ATTESTATION_DOMAIN_SEPARATOR)
    .update(u64be(tagBytes.length))
    .update(tagBytes)
    .update(u64be(data.length))
    .update(data)
    .digest();
}

/**
 * The params an attestation covers: everything but `attestation` itself, as RFC 8785 canonical
 * JSON so the enclave and every node hash the same bytes whatever the key order on the wire.
 */
export function attestedParams(params: JsonObject): Uint8Array {
  const { attestation: _omitted, ...rest } = params;
  return Buffer.from(canonicalJson(rest), "utf8");
}

/** The `user_data` an enclave's attestation must carry for these params. */
export function attestationUserData(method: RelayMethod, params: JsonObject): Uint8Array {
  return domainHash(ATTESTATION_DOMAIN[method], attestedParams(params));
}

/** Development attestation: base64 of an EIP-191 signature over the user data by an enclave key. */
export function signDevAttestation(enclaveKey: Uint8Array, method: RelayMethod, params: JsonObject): string {
  return Buffer.from(signPersonal(enclaveKey, attestationUserData(method, params))).toString("base64");
}

/** The enclave address that produced a development attestation for `userData`. */
export function devAttestationSigner(attestation: string, userData: Uint8Array): string {
  const signature = Buffer.from(attestation, "base64");
  return recoverPersonalSigner(userData, signature);
}
