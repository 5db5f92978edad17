/** A signing secret that is not `whsec_<base64>`, or no secret at all. */
export class SigningSecretError extends Error {
  override readonly name = "SigningSecretError";
}

/** Inline mode refuses to start while the share upstream does not accept connections (`origin` is the upstream). */
export class UpstreamUnreachableError extends Error {
  override readonly name = "UpstreamUnreachableError";
  constructor(
    readonly origin: string,
    message: string,
  ) {
    super(message);
  }
}
