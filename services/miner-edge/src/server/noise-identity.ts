import { readFileSync } from "node:fs";
import type { Clock } from "@gatehouse/service";
import { decodeAuthorityPublicKey, parseServerIdentityFile, type ServerIdentity } from "@gatehouse/sv2";

/** The Noise key files cannot be used as configured (a separate certificate file, which the identity file already carries). */
export class NoiseIdentityError extends Error {
  override readonly name = "NoiseIdentityError";
}

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
export function loadNoiseIdentity(files: NoiseFiles, clock: Clock): { identity: ServerIdentity; authority: string } {
  if (files.certFile && files.certFile !== files.keyFile) {
    throw new NoiseIdentityError(
      "noise_cert_file must be empty or equal noise_key_file: the certificate is read from the server identity file",
    );
  }
  const expected = files.authorityFile ? readFileSync(files.authorityFile, "utf8").trim() : undefined;
  const { identity } = parseServerIdentityFile(
    readFileSync(files.keyFile, "utf8"),
    Math.floor(clock.now() / 1000),
    expected === undefined ? undefined : decodeAuthorityPublicKey(expected),
  );
  return { identity, authority: expected ?? "" };
}
