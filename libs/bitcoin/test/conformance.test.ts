import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import {
  fromHex,
  hashFromDisplay,
  hashMeetsTarget,
  hashRateToTarget,
  hashToDisplay,
  headerHash,
  merkleRoot,
  nBitsToTarget,
  parseHeader,
  serializeHeader,
  targetToDifficulty,
  targetToNBits,
  toHex,
  u256ToBEHex,
} from "../src/index.js";

interface HeaderVector {
  height: number;
  version: number;
  prev_hash_display: string;
  merkle_root_display: string;
  ntime: number;
  bits: string;
  nonce: number;
  hash_display: string;
  raw_header: string;
  difficulty: number;
}

const vectors = (
  JSON.parse(readFileSync(new URL("./vectors/mainnet-headers.json", import.meta.url), "utf8")) as { headers: HeaderVector[] }
).headers;

describe("real mainnet headers (vectors/mainnet-headers.json)", () => {
  it("has vectors to check", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(2);
  });

  for (const v of vectors) {
    describe(`height ${v.height}`, () => {
      const raw = fromHex(v.raw_header);

      it("parses into the listed fields (hashes in raw order) and re-serializes byte for byte", () => {
        const header = parseHeader(raw);
        expect(header.version).toBe(v.version);
        expect(hashToDisplay(header.prevHash)).toBe(v.prev_hash_display);
        expect(hashToDisplay(header.merkleRoot)).toBe(v.merkle_root_display);
        expect(header.time).toBe(v.ntime);
        expect(header.bits).toBe(Number.parseInt(v.bits, 16));
        expect(header.nonce).toBe(v.nonce);
        expect(toHex(serializeHeader(header))).toBe(v.raw_header);
      });

      it("builds the same 80 bytes from the display-order fields", () => {
        const built = serializeHeader({
          version: v.version,
          prevHash: hashFromDisplay(v.prev_hash_display),
          merkleRoot: hashFromDisplay(v.merkle_root_display),
          time: v.ntime,
          bits: Number.parseInt(v.bits, 16),
          nonce: v.nonce,
        });
        expect(toHex(built)).toBe(v.raw_header);
      });

      it("hashes to its block hash and meets its own target", () => {
        const hash = headerHash(raw);
        expect(hashToDisplay(hash)).toBe(v.hash_display);
        const target = nBitsToTarget(Number.parseInt(v.bits, 16));
        expect(hashMeetsTarget(hash, target)).toBe(true);
        expect(targetToNBits(target)).toBe(Number.parseInt(v.bits, 16));
        expect(targetToDifficulty(target)).toBeCloseTo(v.difficulty, 2);
      });

      it("fails a target one below its hash", () => {
        const hashValue = BigInt(`0x${v.hash_display}`);
        expect(hashMeetsTarget(headerHash(raw), hashValue)).toBe(true);
        expect(hashMeetsTarget(headerHash(raw), hashValue - 1n)).toBe(false);
      });
    });
  }

  it("block 125552's merkle root is the tree of its four txids", () => {
    const txids = [
      "51d37bdd871c9e1f4d5541be67a6ab625e32028744d7d4609d0c37747b40cd2d",
      "60c25dda8d41f8d3d7d5c6249e2ea1b05a25bf7ae2ad6d904b512b31f997e1a1",
      "01f314cdd8566d3e5dbdd97de2d9fbfbfd6873e916a00d48758282cbb81a45b9",
      "b519286a1040da6ad83c783eb2872659eaf57b1bec088e614776ffe7dc8f6d01",
    ].map((h) => hashFromDisplay(h));
    const v = vectors.find((h) => h.height === 125552);
    expect(v).toBeDefined();
    expect(hashToDisplay(merkleRoot(txids))).toBe(v?.merkle_root_display);
  });
});

describe("hash_rate_to_target (SRI channels-sv2 target.rs formula)", () => {
  const rows: Array<[number, number, string, number]> = [
    [1, 1, "04325c53ef368eb04325c53ef368eb04325c53ef368eb04325c53ef368eb0431", 1.42e-8],
    [1e12, 6, "00000000001c25c2684973697a4c76dbb2e62a7e72b1a04971ca4f314e46b2a1", 2328.27],
    [100e12, 6, "000000000000480ebe7b9d5842243bcfafbe0c2a514ec93ee949ee6b312011d5", 232_827],
    [1e15, 6, "0000000000000734aca5f6226ed6ee19caa1f56894d89f1cb2f4eec12f205833", 2.328e6],
  ];
  it.each(rows)("%d H/s at %d shares/min", (hashRate, spm, targetHex, difficulty) => {
    const target = hashRateToTarget(hashRate, spm);
    expect(u256ToBEHex(target)).toBe(targetHex);
    const d = targetToDifficulty(target);
    expect(Math.abs(d - difficulty) / difficulty).toBeLessThan(1e-3);
  });
});
