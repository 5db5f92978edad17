import { describe, expect, it } from "@jest/globals";
import { retryDelayMs } from "./backoff.js";

describe("retryDelayMs", () => {
  it("doubles per attempt from the base", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });

  it("caps at the maximum and stays within ±25 % jitter", () => {
    expect(retryDelayMs(20, 1000, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(750);
    expect(retryDelayMs(1, 1000, 60_000, () => 0.999_999)).toBe(1250);
  });
});
