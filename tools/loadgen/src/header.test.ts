import { serializeHeader, sha256d, u256FromLE, u256ToLE } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { atMost, goalFor, headerFor, headerHash, searchNonces } from "./header.js";

const tip = { generation: 1, prevHash: new Uint8Array(32).fill(3), nbits: 0x1d00ffff, minNtime: 1_800_000_000, networkTarget: 0n };
const work = { version: 0x20000000, tip, merkleRoot: new Uint8Array(32).fill(9), ntime: 1_800_000_000 };

describe("header hashing", () => {
  it("hashes the same 80 bytes libs/bitcoin serializes, for any nonce", () => {
    const header = headerFor(work);
    for (const nonce of [0, 1, 0xdeadbeef, 0xffffffff]) {
      const expected = sha256d(serializeHeader({ ...work, prevHash: tip.prevHash, time: work.ntime, bits: tip.nbits, nonce }));
      expect(Buffer.from(headerHash(header, nonce))).toEqual(Buffer.from(expected));
    }
  });

  it("atMost compares little-endian 256-bit numbers like bigint ≤", () => {
    const u256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
    fc.assert(fc.property(u256, u256, (a, b) => atMost(u256ToLE(a), u256ToLE(b)) === a <= b));
    expect(atMost(u256ToLE(5n), u256ToLE(5n))).toBe(true);
  });

  it("finds the first nonce that hits (hash ≤ target) or misses (hash > target)", () => {
    const header = headerFor(work);
    const target = 2n ** 252n;
    const hit = searchNonces(header, 0, 10_000, goalFor({ shareTarget: target, missTarget: target }, "hit"));
    expect(hit).toBeDefined();
    expect(u256FromLE(hit?.hash as Buffer)).toBeLessThanOrEqual(target);
    for (let n = 0; n < (hit?.nonce ?? 0); n++) expect(u256FromLE(headerHash(header, n))).toBeGreaterThan(target);
    const miss = searchNonces(header, 0, 10, goalFor({ shareTarget: target, missTarget: target }, "miss"));
    expect(u256FromLE(miss?.hash as Buffer)).toBeGreaterThan(target);
    expect(searchNonces(header, 0, 50, goalFor({ shareTarget: 0n, missTarget: 0n }, "hit"))).toBeUndefined();
  });
});
