import { devAttestationSigner } from "@gatehouse/relay";
import { AttestationError, type AttestationVerifier } from "./verifier.js";

/** Development attestations: an EIP-191 signature over the user data by an allowlisted enclave key. */
export class DevAttestationVerifier implements AttestationVerifier {
  readonly mode = "dev";
  readonly #allowed: Set<string>;

  constructor(enclaveAddresses: readonly string[]) {
    this.#allowed = new Set(enclaveAddresses.map((a) => a.toLowerCase()));
  }

  verify(attestation: string, expectedUserData: Uint8Array): void {
    if (!attestation) throw new AttestationError("missing attestation");
    let signer: string;
    try {
      signer = devAttestationSigner(attestation, expectedUserData);
    } catch (err) {
      throw new AttestationError(`invalid attestation: ${(err as Error).message}`);
    }
    if (!this.#allowed.has(signer)) throw new AttestationError("attestation is not signed by a trusted enclave key");
  }
}
