import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeAuthorityPublicKey } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { AuthorityKeyError } from "./errors.js";
import { resolveAuthorityKey } from "./loadgen.js";

const xOnly = new Uint8Array(32).fill(0x42);
const base58 = encodeAuthorityPublicKey(xOnly);

describe("resolveAuthorityKey", () => {
  it("takes the base58check key itself or a file holding it", () => {
    expect(resolveAuthorityKey(base58)).toEqual({ base58, xOnly });
    const file = join(mkdtempSync(join(tmpdir(), "loadgen-key-")), "authority.pub");
    writeFileSync(file, `${base58}\n`);
    expect(resolveAuthorityKey(file).xOnly).toEqual(xOnly);
  });

  it("says which reading failed", () => {
    expect(() => resolveAuthorityKey("not-a-key")).toThrow(AuthorityKeyError);
    expect(() => resolveAuthorityKey("not-a-key")).toThrow(/authority key is not a base58check authority public key/);
    const file = join(mkdtempSync(join(tmpdir(), "loadgen-key-")), "bad.pub");
    writeFileSync(file, "garbage\n");
    expect(() => resolveAuthorityKey(file)).toThrow(new RegExp(`authority key in ${file} is not`));
    expect(() => resolveAuthorityKey("/nonexistent/authority.pub")).toThrow(/ENOENT/);
  });
});
