/** JSON-RPC service prefix of the relay methods (`confidential.<...>`). */
export const RELAY_SERVICE = "confidential";
export const METHOD_SECRETS_GET = "confidential.secrets.get";
export const METHOD_CAPABILITY_EXECUTE = "confidential.capability.execute";

/** The relay methods, in the order the reference's `Methods()` returns them. */
export const RELAY_METHODS = [METHOD_SECRETS_GET, METHOD_CAPABILITY_EXECUTE] as const;
export type RelayMethod = (typeof RELAY_METHODS)[number];

export function isRelayMethod(method: string): method is RelayMethod {
  return (RELAY_METHODS as readonly string[]).includes(method);
}

/** Attestation domain tag of each method: the enclave binds its params to the method it calls. */
export const ATTESTATION_DOMAIN: Record<RelayMethod, string> = {
  [METHOD_SECRETS_GET]: "ConfidentialSecretsGet",
  [METHOD_CAPABILITY_EXECUTE]: "ConfidentialCapabilityExecute",
};
