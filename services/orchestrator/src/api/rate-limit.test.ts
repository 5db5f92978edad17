import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { RateLimiter } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("allows `limit` requests per window per client, then refuses until the window slides", () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter(2, 1000, clock);
    const at = (ms: number, client: string) => {
      clock.set(ms);
      return limiter.allow(client);
    };
    expect([at(0, "a"), at(10, "a"), at(20, "a")]).toEqual([true, true, false]);
    expect(at(20, "b")).toBe(true);
    expect(at(999, "a")).toBe(false);
    expect(at(1001, "a")).toBe(true);
  });

  it("bounds the number of tracked clients", () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter(1, 1000, clock, 2);
    limiter.allow("a");
    limiter.allow("b");
    limiter.allow("c");
    clock.set(1);
    expect(limiter.allow("a")).toBe(true);
    expect(limiter.allow("c")).toBe(false);
  });

  it("never limits when the limit is 0", () => {
    const limiter = new RateLimiter(0, 1000, new ManualClock(0));
    expect(Array.from({ length: 100 }, () => limiter.allow("a")).every(Boolean)).toBe(true);
  });
});
