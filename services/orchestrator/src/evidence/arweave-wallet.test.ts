import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { loadArweaveWallet, parseArweaveWallet } from "./arweave-wallet.js";
import { ArweaveWalletError } from "./errors.js";

const SECRET = "c2VjcmV0LWtleS1tYXRlcmlhbA";
const jwk = { kty: "RSA", e: "AQAB", n: "bW9kdWx1cw", d: SECRET, p: "cA", q: "cQ", dp: "ZHA", dq: "ZHE", qi: "cWk", ext: true };
const dir = mkdtempSync(join(tmpdir(), "gh-arweave-wallet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Arweave wallet files", () => {
  it("keeps the RSA fields of a JWK", () => {
    const { ext: _ext, ...fields } = jwk;
    expect(parseArweaveWallet(JSON.stringify(jwk), "w")).toEqual(fields);
  });

  it("names the problem without quoting the key", () => {
    const broken = `{"kty":"RSA","d":"${SECRET}"`;
    expect(() => parseArweaveWallet(broken, "wallet.json")).toThrow("wallet.json is not JSON");
    const problems = [
      () => parseArweaveWallet(broken, "wallet.json"),
      () => parseArweaveWallet(JSON.stringify({ ...jwk, kty: "EC" }), "wallet.json"),
      () => parseArweaveWallet(JSON.stringify({ ...jwk, d: undefined, qi: `${SECRET}!` }), "wallet.json"),
    ];
    for (const parse of problems) {
      expect(parse).toThrow(ArweaveWalletError);
      expect(parse).toThrow("wallet.json");
      expect(parse).not.toThrow(SECRET);
    }
    expect(problems[1]).toThrow('is not an RSA JWK (kty must be "RSA")');
    expect(problems[2]).toThrow("is not an RSA private key: d, qi missing or not base64url");
  });

  it("reads a file and reports one that cannot be read", async () => {
    const file = join(dir, "wallet.json");
    writeFileSync(file, JSON.stringify(jwk));
    await expect(loadArweaveWallet(file)).resolves.toMatchObject({ kty: "RSA", d: SECRET });
    await expect(loadArweaveWallet(join(dir, "missing.json"))).rejects.toThrow(ArweaveWalletError);
    await expect(loadArweaveWallet(join(dir, "missing.json"))).rejects.toThrow(
      `evidence.arweave.wallet_file ${join(dir, "missing.json")} cannot be read (ENOENT)`,
    );
  });
});
