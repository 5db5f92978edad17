/**
 * The relay protocol's errors, one per kind of bad input. Messages say what is wrong and carry no
 * secret material, so a service may log or return them. `ParamsError` (params.ts) is the one for
 * method params.
 */

/** A private key that is not 32 bytes of hex or not a valid secp256k1 scalar. */
export class KeyFormatError extends Error {
  override readonly name = "KeyFormatError";
}

/** A signature that is not 65 bytes `r ‖ s ‖ v`, has an unusable V, or recovers no public key. */
export class SignatureFormatError extends Error {
  override readonly name = "SignatureFormatError";
}

/** A node's response that is not a JSON-RPC 2.0 response, or not the answer to the request it names. */
export class JsonRpcParseError extends Error {
  override readonly name = "JsonRpcParseError";
}

/** A stored secret record or an encrypted secret envelope that is not in the expected layout. */
export class SecretFormatError extends Error {
  override readonly name = "SecretFormatError";
}

/** A value that has no JSON text (undefined, a function, a symbol), so it has no canonical form or digest. */
export class CanonicalJsonError extends Error {
  override readonly name = "CanonicalJsonError";
}
