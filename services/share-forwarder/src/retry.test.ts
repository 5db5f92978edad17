import { describe, expect, it } from "@jest/globals";
import { parseRetryAfter, retryDelayMs } from "./retry.js";

const policy = { baseMs: 100, maxMs: 1_000, retryAfterMaxMs: 5_000 };

describe("retry delays", () => {
  it("grow exponentially with jitter between half and all of the ceiling, capped", () => {
    expect(retryDelayMs(0, policy, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(0, policy, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(2, policy, undefined, () => 0)).toBe(200);
    expect(retryDelayMs(2, policy, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(10, policy, undefined, () => 1)).toBe(1_000);
    const jittered = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, policy, undefined)));
    expect(jittered.size).toBeGreaterThan(1);
  });

  it("never undercut Retry-After, which is clamped to its maximum", () => {
    expect(retryDelayMs(0, policy, 3_000, () => 0)).toBe(3_000);
    expect(retryDelayMs(0, policy, 60_000, () => 0)).toBe(5_000);
    expect(retryDelayMs(3, policy, 10, () => 1)).toBe(800);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-21T06:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter("Sat, 21 Nov 2026 06:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Sat, 21 Nov 2026 05:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
