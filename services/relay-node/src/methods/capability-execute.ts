import {
  attestationUserData,
  type CapabilityResponseResult,
  type JsonObject,
  METHOD_CAPABILITY_EXECUTE,
  ParamsError,
  parseCapabilityParams,
} from "@gatehouse/relay";
import { AttestationError, type AttestationVerifier } from "../attestation/verifier.js";
import type { CapabilityRegistry } from "../capabilities/registry.js";
import { invalidParams } from "./errors.js";

/**
 * `confidential.capability.execute`: checks the attestation, runs the capability on the decoded
 * payload. An execution failure is a *result* `{error}` (as Chainlink's relay node handler), so it still goes through
 * quorum; the output is returned as base64 `{payload}`.
 */
export async function capabilityExecute(
  params: JsonObject,
  verifier: AttestationVerifier,
  registry: CapabilityRegistry,
  signal: AbortSignal,
): Promise<CapabilityResponseResult> {
  let parsed: ReturnType<typeof parseCapabilityParams>;
  try {
    parsed = parseCapabilityParams(params);
  } catch (err) {
    if (err instanceof ParamsError) throw invalidParams(err.message);
    throw err;
  }
  try {
    verifier.verify(parsed.attestation, attestationUserData(METHOD_CAPABILITY_EXECUTE, params));
  } catch (err) {
    // An attestation that does not verify is the caller's fault: invalid params, not a server error.
    if (err instanceof AttestationError) throw invalidParams(err.message);
    throw err;
  }
  const capability = registry.get(parsed.capability_id);
  if (!capability) throw invalidParams(`capability not found: ${parsed.capability_id}`);
  try {
    const output = await capability(Buffer.from(parsed.payload, "base64"), signal);
    return { payload: Buffer.from(output).toString("base64") };
  } catch (err) {
    return { error: `capability ${parsed.capability_id} failed: ${(err as Error).message}` };
  }
}
