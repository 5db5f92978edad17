import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerIdentityFile } from "@gatehouse/sv2";
import { afterEach, describe, expect, it } from "@jest/globals";
import { ensureDevKeys } from "./keys.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "gh-dev-keys-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NOW = 1_800_000_000;

describe("ensureDevKeys", () => {
  it("creates an authority and a server identity it certified, backdated a day, secrets owner-only", () => {
    const dir = tempDir();
    const keys = ensureDevKeys(dir, NOW);
    expect(keys.created).toEqual({ authority: true, serverIdentity: true });
    expect(readFileSync(keys.authorityPublicKeyFile, "utf8")).toBe(`${keys.authorityPublicKey}\n`);
    const identity = readFileSync(keys.serverIdentityFile, "utf8");
    const { authorityPublicKey } = parseServerIdentityFile(identity, NOW);
    expect(JSON.parse(identity).authorityPublicKey).toBe(keys.authorityPublicKey);
    expect(authorityPublicKey).toHaveLength(32);
    expect(JSON.parse(identity).certificate.validFrom).toBe(NOW - 86_400);
    for (const file of [keys.authorityKeyFile, keys.serverIdentityFile]) expect(statSync(file).mode & 0o077).toBe(0);
  });

  it("reuses both on the next run", () => {
    const dir = tempDir();
    const first = ensureDevKeys(dir, NOW);
    const identity = readFileSync(first.serverIdentityFile, "utf8");
    const second = ensureDevKeys(dir, NOW + 3_600);
    expect(second.created).toEqual({ authority: false, serverIdentity: false });
    expect(second.authorityPublicKey).toBe(first.authorityPublicKey);
    expect(readFileSync(second.serverIdentityFile, "utf8")).toBe(identity);
  });

  it("issues a new certificate from the same authority when the old one is about to expire or is damaged", () => {
    const dir = tempDir();
    const first = ensureDevKeys(dir, NOW);
    const renewed = ensureDevKeys(dir, NOW + 360 * 86_400);
    expect(renewed.created).toEqual({ authority: false, serverIdentity: true });
    expect(renewed.authorityPublicKey).toBe(first.authorityPublicKey);
    writeFileSync(first.serverIdentityFile, "{}");
    expect(ensureDevKeys(dir, NOW).created.serverIdentity).toBe(true);
    expect(() => parseServerIdentityFile(readFileSync(first.serverIdentityFile, "utf8"), NOW)).not.toThrow();
  });
});
