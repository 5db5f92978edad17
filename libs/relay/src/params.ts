import { isAddress } from "./eip191.js";
import type { JsonObject } from "./jsonrpc.js";

/** Namespace used when a secret id leaves it empty (as the vault's DefaultNamespace). */
export const DEFAULT_NAMESPACE = "main";
export const MAX_SECRETS_PER_REQUEST = 64;
/** Largest decoded capability payload a node accepts. */
export const MAX_CAPABILITY_PAYLOAD_BYTES = 64 * 1024;

/** Params that fail validation; the message names the field and is safe to return. */
export class ParamsError extends Error {
  override readonly name = "ParamsError";
}

export interface SecretId {
  key: string;
  namespace: string;
}

export interface SecretsRequestParams {
  workflow_id: string;
  owner: string;
  execution_id: string;
  org_id?: string;
  secrets: SecretId[];
  enclave_public_key: string;
  attestation: string;
}

export interface CapabilityRequestParams {
  workflow_id: string;
  owner: string;
  execution_id: string;
  org_id?: string;
  reference_id: string;
  capability_id: string;
  /** base64 of the capability's input. */
  payload: string;
  attestation: string;
}

export interface SecretEntry {
  id: SecretId;
  ciphertext: string;
  encrypted_shares: string[];
}

export interface SecretsResponseResult {
  secrets: SecretEntry[];
}

export interface CapabilityResponseResult {
  payload?: string;
  error?: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function text(params: JsonObject, field: string, { optional = false, max = 256 } = {}): string {
  const value = params[field];
  if (value === undefined && optional) return "";
  if (typeof value !== "string") throw new ParamsError(`${field} must be a string`);
  if (!optional && value === "") throw new ParamsError(`${field} must not be empty`);
  if (value.length > max) throw new ParamsError(`${field} is longer than ${max} characters`);
  return value;
}

function common(params: JsonObject) {
  const owner = text(params, "owner");
  if (!isAddress(owner)) throw new ParamsError("owner must be a 0x-prefixed 20-byte hex address");
  const executionId = text(params, "execution_id");
  if (!/^[0-9a-fA-F]{64}$/.test(executionId)) throw new ParamsError("execution_id must be 32 bytes of hex without 0x");
  const orgId = text(params, "org_id", { optional: true });
  return {
    workflow_id: text(params, "workflow_id"),
    owner,
    execution_id: executionId,
    ...(orgId ? { org_id: orgId } : {}),
    attestation: text(params, "attestation", { optional: true, max: 64 * 1024 }),
  };
}

export function parseSecretsParams(params: JsonObject): SecretsRequestParams {
  const base = common(params);
  const secrets = params.secrets;
  if (!Array.isArray(secrets) || secrets.length === 0) throw new ParamsError("secrets must be a non-empty array");
  if (secrets.length > MAX_SECRETS_PER_REQUEST) throw new ParamsError(`secrets has more than ${MAX_SECRETS_PER_REQUEST} entries`);
  const ids = secrets.map((entry, i): SecretId => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new ParamsError(`secrets[${i}] must be an object`);
    const key = text(entry as JsonObject, "key");
    const namespace = text(entry as JsonObject, "namespace", { optional: true }) || DEFAULT_NAMESPACE;
    return { key, namespace };
  });
  const enclaveKey = text(params, "enclave_public_key", { max: 132 });
  if (!/^(0x)?([0-9a-fA-F]{66}|[0-9a-fA-F]{130})$/.test(enclaveKey)) {
    throw new ParamsError("enclave_public_key must be a 33- or 65-byte secp256k1 public key in hex");
  }
  return { ...base, secrets: ids, enclave_public_key: enclaveKey.replace(/^0x/, "").toLowerCase() };
}

export function parseCapabilityParams(params: JsonObject): CapabilityRequestParams {
  const base = common(params);
  const payload = text(params, "payload", { optional: true, max: Math.ceil((MAX_CAPABILITY_PAYLOAD_BYTES * 4) / 3) + 4 });
  if (!BASE64.test(payload) || payload.length % 4 !== 0) throw new ParamsError("payload must be standard base64");
  return {
    ...base,
    reference_id: text(params, "reference_id", { optional: true }),
    capability_id: text(params, "capability_id"),
    payload,
  };
}
