import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { issueServerIdentity, newAuthorityKeyFile, parseAuthorityKeyFile, serverIdentityToFile } from "@gatehouse/sv2";
import { type Command, InvalidArgumentError } from "commander";
import { UsageError } from "../usage.js";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "3600", "90m", "12h", "30d" → seconds. */
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`expected a duration like 3600, 90m, 12h or 30d, got "${text}"`);
  const seconds = Number(match[1]) * (UNITS[match[2] || "s"] as number);
  if (seconds <= 0 || seconds > 0xffffffff) throw new InvalidArgumentError(`duration out of range: ${text}`);
  return seconds;
}

interface WriteOptions {
  force?: boolean;
  groupReadable?: boolean;
}

/**
 * Secrets are written owner-only (0600), or 0640 with --group-readable so a service running under
 * another uid in the file's group can read them (the container images run as uid 1000), and never
 * over an existing file unless asked.
 */
function writeSecretFile(path: string, value: unknown, options: WriteOptions): void {
  if (existsSync(path) && options.force !== true) throw new UsageError(`${path} exists; pass --force to overwrite it`);
  const mode = options.groupReadable === true ? 0o640 : 0o600;
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode });
  // writeFileSync applies the mode (less the umask) only when it creates the file.
  chmodSync(path, mode);
}

const GROUP_READABLE = "write the file mode 0640 (group-readable) instead of 0600, for a service running as another user of its group";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("SV2 authority and server keys (Noise static key + certificate)");

  keys
    .command("authority")
    .description("create an authority keypair; prints the base58check public key miners configure")
    .option("--out <file>", "where to write the keypair (JSON, mode 0600)", "authority-key.json")
    .option("--force", "overwrite an existing file")
    .option("--group-readable", GROUP_READABLE)
    .action((options: { out: string } & WriteOptions) => {
      const file = newAuthorityKeyFile();
      writeSecretFile(options.out, file, options);
      process.stdout.write(`${file.publicKey}\n`);
      process.stderr.write(`authority keypair written to ${options.out}; keep it offline\n`);
    });

  keys
    .command("server")
    .description("create a server static key and a certificate signed by the authority")
    .requiredOption("--authority <file>", "authority keypair written by `gatehouse keys authority`")
    .option("--out <file>", "where to write the server identity (JSON, mode 0600)", "server-identity.json")
    .option(
      "--validity <duration>",
      "how long the certificate stays valid from now (3600, 90m, 12h, 30d)",
      parseDurationSeconds,
      30 * 86_400,
    )
    .option("--backdate <duration>", "how far valid_from lies in the past, for clients with no clock leeway", parseDurationSeconds, 3600)
    .option("--force", "overwrite an existing file")
    .option("--group-readable", GROUP_READABLE)
    .action((options: { authority: string; out: string; validity: number; backdate: number } & WriteOptions) => {
      const authority = parseAuthorityKeyFile(readFileSync(options.authority, "utf8"));
      const nowSeconds = Math.floor(Date.now() / 1000);
      const identity = issueServerIdentity({
        authoritySecretKey: authority.secretKey,
        nowSeconds,
        validitySeconds: options.validity,
        backdateSeconds: options.backdate,
      });
      const file = serverIdentityToFile(identity, authority.publicKey);
      writeSecretFile(options.out, file, options);
      const c = identity.certificate;
      process.stdout.write(
        `${JSON.stringify({
          out: options.out,
          authorityPublicKey: file.authorityPublicKey,
          staticPublicKey: file.staticPublicKey,
          validFrom: new Date(c.validFrom * 1000).toISOString(),
          notValidAfter: new Date(c.notValidAfter * 1000).toISOString(),
        })}\n`,
      );
    });
}
