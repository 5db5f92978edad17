import { Sv2Error } from "../errors.js";
import { sha256 } from "./hash.js";
import { bip340Sign, bip340Verify } from "./schnorr.js";

export const SIGNATURE_NOISE_MESSAGE_SIZE = 74;
export const CERTIFICATE_VERSION = 0;
/** SRI's initiator tolerates this much clock skew on both ends of the validity window. */
export const DEFAULT_CERTIFICATE_LEEWAY_SECONDS = 10;

/** SIGNATURE_NOISE_MESSAGE: the authority's BIP340 signature over the server's static key and a validity window. */
export interface Certificate {
  version: number;
  /** Unix seconds. */
  validFrom: number;
  /** Unix seconds. */
  notValidAfter: number;
  signature: Uint8Array;
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  if (cert.signature.length !== 64) throw new Sv2Error("invalid_argument", "certificate signature must be 64 bytes");
  const out = new Uint8Array(SIGNATURE_NOISE_MESSAGE_SIZE);
  const view = new DataView(out.buffer);
  view.setUint16(0, cert.version, true);
  view.setUint32(2, cert.validFrom, true);
  view.setUint32(6, cert.notValidAfter, true);
  out.set(cert.signature, 10);
  return out;
}

export function decodeCertificate(bytes: Uint8Array): Certificate {
  if (bytes.length !== SIGNATURE_NOISE_MESSAGE_SIZE) {
    throw new Sv2Error("certificate_invalid", `SIGNATURE_NOISE_MESSAGE must be 74 bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    version: view.getUint16(0, true),
    validFrom: view.getUint32(2, true),
    notValidAfter: view.getUint32(6, true),
    signature: bytes.slice(10),
  };
}

/** SHA256(version LE2 ‖ valid_from LE4 ‖ not_valid_after LE4 ‖ static x-only key) — the BIP340 message. */
export function certificateDigest(version: number, validFrom: number, notValidAfter: number, staticXOnly: Uint8Array): Uint8Array {
  const preimage = new Uint8Array(42);
  const view = new DataView(preimage.buffer);
  view.setUint16(0, version, true);
  view.setUint32(2, validFrom, true);
  view.setUint32(6, notValidAfter, true);
  preimage.set(staticXOnly, 10);
  return sha256(preimage);
}

export function signCertificate(args: {
  authoritySecretKey: Uint8Array;
  staticXOnly: Uint8Array;
  validFrom: number;
  notValidAfter: number;
}): Certificate {
  const { validFrom, notValidAfter } = args;
  for (const [name, v] of [
    ["validFrom", validFrom],
    ["notValidAfter", notValidAfter],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Sv2Error("invalid_argument", `${name} must be a U32 unix time`);
  }
  if (notValidAfter < validFrom) throw new Sv2Error("invalid_argument", "notValidAfter is before validFrom");
  if (args.staticXOnly.length !== 32) throw new Sv2Error("invalid_argument", "static key must be 32-byte x-only");
  const digest = certificateDigest(CERTIFICATE_VERSION, validFrom, notValidAfter, args.staticXOnly);
  return { version: CERTIFICATE_VERSION, validFrom, notValidAfter, signature: bip340Sign(digest, args.authoritySecretKey) };
}

/** Throws a typed certificate_* error unless the certificate is version 0, signed by the authority and valid at `now`. */
export function verifyCertificate(
  cert: Certificate,
  staticXOnly: Uint8Array,
  authorityXOnly: Uint8Array,
  nowSeconds: number,
  leewaySeconds = DEFAULT_CERTIFICATE_LEEWAY_SECONDS,
): void {
  if (cert.version !== CERTIFICATE_VERSION)
    throw new Sv2Error("certificate_unsupported_version", `certificate version ${cert.version} is not 0`);
  const digest = certificateDigest(cert.version, cert.validFrom, cert.notValidAfter, staticXOnly);
  if (!bip340Verify(cert.signature, digest, authorityXOnly)) {
    throw new Sv2Error("certificate_invalid", "certificate is not signed by the expected authority key");
  }
  if (nowSeconds + leewaySeconds < cert.validFrom)
    throw new Sv2Error("certificate_not_yet_valid", `certificate valid from ${cert.validFrom}, now ${nowSeconds}`);
  if (nowSeconds - leewaySeconds > cert.notValidAfter)
    throw new Sv2Error("certificate_expired", `certificate expired at ${cert.notValidAfter}, now ${nowSeconds}`);
}
