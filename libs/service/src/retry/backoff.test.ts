import { describe, expect, it } from "@jest/globals";
import { backoffDelayMs } from "./backoff.js";

describe("backoffDelayMs", () => {
  const policy = { baseMs: 100, maxMs: 5_000 };

  it("doubles from the base with equal jitter: between half and all of the ceiling", () => {
    expect(backoffDelayMs(0, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(0, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(400);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(600);
  });

  it("is capped at maxMs, also for very large retry counts", () => {
    expect(backoffDelayMs(10, policy, () => 1)).toBe(5_000);
    expect(backoffDelayMs(10_000, policy, () => 0)).toBe(2_500);
  });

  it("treats a negative retry count as the first retry", () => {
    expect(backoffDelayMs(-3, policy, () => 1)).toBe(100);
  });
});
