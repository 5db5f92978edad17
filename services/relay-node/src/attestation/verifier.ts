/** Why an enclave's attestation was refused; the message is safe to return to the caller. */
export class AttestationError extends Error {
  override readonly name = "AttestationError";
}

/** Checks that an attestation binds `expectedUserData` to a trusted enclave. */
export interface AttestationVerifier {
  readonly mode: string;
  /** Throws AttestationError unless the attestation is valid for `expectedUserData`. */
  verify(attestation: string, expectedUserData: Uint8Array): void;
}
