// Development SV2 keys: an authority keypair and the edge's server identity it certified, kept in
// the git-ignored .dev/ folder so a second `make dev` reuses them (miners keep the same key).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  issueServerIdentity,
  newAuthorityKeyFile,
  parseAuthorityKeyFile,
  parseServerIdentityFile,
  serverIdentityToFile,
} from "@gatehouse/sv2";

export interface DevKeys {
  /** base58check authority public key: what miners configure. */
  authorityPublicKey: string;
  authorityKeyFile: string;
  authorityPublicKeyFile: string;
  serverIdentityFile: string;
  /** What this run did: created the authority, issued a new certificate, or reused both. */
  created: { authority: boolean; serverIdentity: boolean };
}

/** Certificates last a year; valid_from lies a day back, for miners with no clock leeway. */
const VALIDITY_SECONDS = 365 * 86_400;
const BACKDATE_SECONDS = 86_400;
/** A certificate expiring within this long is renewed at start-up. */
const RENEW_BEFORE_SECONDS = 7 * 86_400;

function writeSecret(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Creates (or reuses) the development authority and server identity in `dir`. A server identity
 * that no longer verifies under the authority, or is about to expire, is issued again from the
 * same authority, so miners' configured key stays valid.
 */
export function ensureDevKeys(dir: string, nowSeconds = Math.floor(Date.now() / 1000)): DevKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authorityKeyFile = join(dir, "authority-key.json");
  const authorityPublicKeyFile = join(dir, "authority.pub");
  const serverIdentityFile = join(dir, "server-identity.json");

  const createAuthority = !existsSync(authorityKeyFile);
  if (createAuthority) writeSecret(authorityKeyFile, newAuthorityKeyFile());
  const authority = parseAuthorityKeyFile(readFileSync(authorityKeyFile, "utf8"));
  const authorityPublicKey = newAuthorityKeyFile(authority.secretKey).publicKey;
  writeFileSync(authorityPublicKeyFile, `${authorityPublicKey}\n`);

  let issue = createAuthority || !existsSync(serverIdentityFile);
  if (!issue) {
    try {
      // Valid a week from now, so a long-running stack does not expire under its miners.
      parseServerIdentityFile(readFileSync(serverIdentityFile, "utf8"), nowSeconds + RENEW_BEFORE_SECONDS, authority.publicKey);
    } catch {
      issue = true;
    }
  }
  if (issue) {
    const identity = issueServerIdentity({
      authoritySecretKey: authority.secretKey,
      nowSeconds,
      validitySeconds: VALIDITY_SECONDS,
      backdateSeconds: BACKDATE_SECONDS,
    });
    writeSecret(serverIdentityFile, serverIdentityToFile(identity, authority.publicKey));
  }
  return {
    authorityPublicKey,
    authorityKeyFile,
    authorityPublicKeyFile,
    serverIdentityFile,
    created: { authority: createAuthority, serverIdentity: issue },
  };
}
