import { describe, expect, it } from "@jest/globals";
import { headerBytes, meetsDifficulty, powValue, ShareFieldsError, shareIdOf, targetForDifficulty } from "./pow.js";

// Bitcoin block 125552 (the classic worked example of block hashing).
const block125552 = {
  version: 1,
  prev_hash: "00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81",
  merkle_root: "2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3",
  ntime: 1305998791,
  nbits: 0x1a44b9f2,
  nonce: 2504433986,
};
const block125552Hash = "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d";

describe("share proof of work", () => {
  it("rebuilds a real header and hashes it to the block hash", () => {
    const header = headerBytes(block125552);
    expect(powValue(header)).toBe(BigInt(`0x${block125552Hash}`));
    expect(shareIdOf(header)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("checks the claimed difficulty against the recomputed hash", () => {
    const header = headerBytes(block125552);
    // The block hash 0x…1e8d68… has difficulty DIFF1/hash ≈ 3.60e10: just below it is met, just above is not.
    expect(meetsDifficulty(header, 3.59e10)).toBe(true);
    expect(meetsDifficulty(header, 3.61e10)).toBe(false);
  });

  it("computes bdiff targets", () => {
    expect(targetForDifficulty(1)).toBe(0xffffn << 208n);
    expect(targetForDifficulty(2)).toBe(0xffffn << 207n);
    expect(targetForDifficulty(2 ** -32)).toBe(0xffffn << 240n);
    expect(() => targetForDifficulty(0)).toThrow(ShareFieldsError);
    expect(() => targetForDifficulty(0)).toThrow("positive");
    expect(() => targetForDifficulty(Number.NaN)).toThrow("positive");
  });

  it("refuses malformed hashes", () => {
    expect(() => headerBytes({ ...block125552, prev_hash: "zz" })).toThrow(ShareFieldsError);
    expect(() => headerBytes({ ...block125552, prev_hash: "zz" })).toThrow("64 lower-case hex");
  });
});
