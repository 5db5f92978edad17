import { describe, expect, it } from "@jest/globals";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("allows `limit` requests per window per client, then refuses until the window slides", () => {
    const limiter = new RateLimiter(2, 1000);
    expect([limiter.allow("a", 0), limiter.allow("a", 10), limiter.allow("a", 20)]).toEqual([true, true, false]);
    expect(limiter.allow("b", 20)).toBe(true);
    expect(limiter.allow("a", 1001)).toBe(true);
  });

  it("bounds the number of tracked clients", () => {
    const limiter = new RateLimiter(1, 1000, 2);
    limiter.allow("a", 0);
    limiter.allow("b", 0);
    limiter.allow("c", 0);
    expect(limiter.allow("a", 1)).toBe(true);
  });

  it("never limits when the limit is 0", () => {
    const limiter = new RateLimiter(0, 1000);
    expect(Array.from({ length: 100 }, () => limiter.allow("a", 0)).every(Boolean)).toBe(true);
  });
});
