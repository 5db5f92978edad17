import { describe, expect, it } from "@jest/globals";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("allows the burst, refuses beyond it, and refills at the rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now = 500;
    for (let i = 0; i < 5; i++) expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    now = 100_000;
    expect(bucket.take(20)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });
});
