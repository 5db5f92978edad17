import { readFile } from "node:fs/promises";
import type { JWKInterface } from "arweave/node/lib/wallet.js";
import { ArweaveWalletError } from "./errors.js";

const RSA_FIELDS = ["n", "e", "d", "p", "q", "dp", "dq", "qi"] as const;

/**
 * Parses an Arweave wallet (an RSA private key as a JWK). Errors name what is wrong but never
 * quote the content: it is a private key.
 */
export function parseArweaveWallet(text: string, source: string): JWKInterface {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input.
    throw new ArweaveWalletError(`${source} is not JSON`);
  }
  const jwk = value as Record<string, unknown> | null;
  if (typeof jwk !== "object" || jwk === null || jwk.kty !== "RSA")
    throw new ArweaveWalletError(`${source} is not an RSA JWK (kty must be "RSA")`);
  const missing = RSA_FIELDS.filter((field) => typeof jwk[field] !== "string" || !/^[A-Za-z0-9_-]+$/.test(jwk[field] as string));
  if (missing.length > 0)
    throw new ArweaveWalletError(`${source} is not an RSA private key: ${missing.join(", ")} missing or not base64url`);
  return Object.fromEntries([["kty", "RSA"], ...RSA_FIELDS.map((field) => [field, jwk[field]])]) as JWKInterface;
}

/** Reads the wallet file named by `evidence.arweave.wallet_file`. */
export async function loadArweaveWallet(file: string): Promise<JWKInterface> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ArweaveWalletError(`evidence.arweave.wallet_file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return parseArweaveWallet(text, `evidence.arweave.wallet_file ${file}`);
}
