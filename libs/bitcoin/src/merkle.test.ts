import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { concat } from "./bytes.js";
import { sha256d } from "./hash.js";
import { coinbaseMerklePath, merkleRoot, merkleRootFromPath } from "./merkle.js";

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("merkle", () => {
  it("a single leaf is its own root", () => {
    const leaf = new Uint8Array(32).fill(7);
    expect(merkleRoot([leaf])).toEqual(leaf);
    expect(coinbaseMerklePath([])).toEqual([]);
  });

  it("an odd level duplicates its last hash", () => {
    const [a, b, c] = [1, 2, 3].map((n) => new Uint8Array(32).fill(n)) as [Uint8Array, Uint8Array, Uint8Array];
    const ab = sha256d(concat([a, b]));
    const cc = sha256d(concat([c, c]));
    expect(merkleRoot([a, b, c])).toEqual(sha256d(concat([ab, cc])));
  });

  it("rejects an empty tree", () => {
    expect(() => merkleRoot([])).toThrow(/at least one/);
  });

  it("the coinbase path folds to the full tree's root for any tree size", () => {
    fc.assert(
      fc.property(hash32, fc.array(hash32, { maxLength: 40 }), (coinbase, others) => {
        const path = coinbaseMerklePath(others);
        expect(merkleRootFromPath(coinbase, path)).toEqual(merkleRoot([coinbase, ...others]));
        expect(path.length).toBe(others.length === 0 ? 0 : Math.ceil(Math.log2(others.length + 1)));
      }),
    );
  });
});
