import { describe, expect, it } from "@jest/globals";
import { ManualClock } from "./clock.js";
import { TokenBucket, TokenBucketConfigError } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("starts full, refuses past the burst and refills at the rate", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 20, clock);
    for (let i = 0; i < 20; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    clock.advance(100);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it("takes several tokens at once or none", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1_000, 1_500, clock);
    expect(bucket.take(1_000)).toBe(true);
    expect(bucket.take(600)).toBe(false);
    expect(bucket.take(500)).toBe(true);
  });

  it("never saves more than the burst however long it idles", () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(10, 5, clock);
    clock.advance(3_600_000);
    for (let i = 0; i < 5; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it("refuses a rate or burst that is not positive", () => {
    const clock = new ManualClock();
    expect(() => new TokenBucket(0, 1, clock)).toThrow(TokenBucketConfigError);
    expect(() => new TokenBucket(1, Number.NaN, clock)).toThrow(TokenBucketConfigError);
  });
});
