import { readFileSync } from "node:fs";
import { decodeAuthorityPublicKey, parseServerIdentityFile, type ServerIdentity } from "@gatehouse/sv2";

export interface NoiseFiles {
  /** Server identity JSON written by `gatehouse keys server` (static secret key + certificate). */
  keyFile: string;
  /** ReserveGrid OS's separate certificate path; the identity file carries it, so this may only repeat keyFile. */
  certFile: string;
  /** File holding the base58check authority public key miners are configured with. */
  authorityFile: string;
}

/**
 * Loads the static key and certificate and checks, now, that the certificate verifies for that key
 * under the configured authority — an edge that miners would refuse never starts.
 */
export function loadNoiseIdentity(
  files: NoiseFiles,
  nowSeconds = Math.floor(Date.now() / 1000),
): { identity: ServerIdentity; authority: string } {
  if (files.certFile && files.certFile !== files.keyFile) {
    throw new Error("noise_cert_file must be empty or equal noise_key_file: the certificate is read from the server identity file");
  }
  const expected = files.authorityFile ? readFileSync(files.authorityFile, "utf8").trim() : undefined;
  const { identity } = parseServerIdentityFile(
    readFileSync(files.keyFile, "utf8"),
    nowSeconds,
    expected === undefined ? undefined : decodeAuthorityPublicKey(expected),
  );
  return { identity, authority: expected ?? "" };
}
