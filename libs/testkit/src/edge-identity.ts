import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueServerIdentity, newAuthorityKeyFile, parseAuthorityKeyFile, serverIdentityToFile } from "@gatehouse/sv2";

export interface EdgeIdentity {
  /** Base58 authority public key miners check the certificate against. */
  authority: string;
  /** Config keys pointing the edge at the generated files. */
  config: { noise_key_file: string; authority_public_key_file: string };
}

/** A throwaway authority and an edge identity it certified for an hour, written to a temp dir. */
export function writeEdgeIdentity(label: string): EdgeIdentity {
  const dir = mkdtempSync(join(tmpdir(), `gh-${label}-keys-`));
  const authorityKeys = parseAuthorityKeyFile(JSON.stringify(newAuthorityKeyFile()));
  const authority = newAuthorityKeyFile(authorityKeys.secretKey).publicKey;
  const identity = issueServerIdentity({
    authoritySecretKey: authorityKeys.secretKey,
    nowSeconds: Math.floor(Date.now() / 1000),
    validitySeconds: 3600,
  });
  writeFileSync(join(dir, "identity.json"), JSON.stringify(serverIdentityToFile(identity, authorityKeys.publicKey)));
  writeFileSync(join(dir, "authority.pub"), `${authority}\n`);
  return { authority, config: { noise_key_file: join(dir, "identity.json"), authority_public_key_file: join(dir, "authority.pub") } };
}
