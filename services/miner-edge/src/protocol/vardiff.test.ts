import { hashRateFromTarget, hashRateToTarget } from "@gatehouse/bitcoin";
import { describe, expect, it } from "@jest/globals";
import { Vardiff } from "./vardiff.js";

const SPM = 6;
const TH = 1e12;
const start = 1_000_000;

describe("Vardiff (SRI classic rules)", () => {
  it("never updates within 15 s", () => {
    const target = hashRateToTarget(TH, SPM);
    const v = new Vardiff(SPM, target, start);
    for (let i = 0; i < 1000; i++) v.recordShare();
    expect(v.update(target, start + 15_000)).toBeUndefined();
  });

  it("keeps the target while the share rate matches, then lowers it when the miner is 10× faster", () => {
    const target = hashRateToTarget(TH, SPM);
    const v = new Vardiff(SPM, target, start);
    for (let i = 0; i < 6; i++) v.recordShare();
    expect(v.update(target, start + 60_000)).toBeUndefined();

    const fast = new Vardiff(SPM, target, start);
    for (let i = 0; i < 60; i++) fast.recordShare();
    const next = fast.update(target, start + 60_000) as bigint;
    expect(next).toBeLessThan(target);
    expect(hashRateFromTarget(next, SPM) / TH).toBeCloseTo(10, 0);
  });

  it("with no shares divides the estimate by 1.5 within 30 s, by 3 after a minute, floored at 1 H/s", () => {
    const target = hashRateToTarget(TH, SPM);
    const v = new Vardiff(SPM, target, start);
    const next = v.update(target, start + 20_000) as bigint;
    expect(v.estimatedHashRate / TH).toBeCloseTo(1 / 1.5, 3);
    expect(next).toBeGreaterThan(target);
    const later = new Vardiff(SPM, target, start);
    later.update(target, start + 90_000);
    expect(later.estimatedHashRate / TH).toBeCloseTo(1 / 3, 3);
    const tiny = new Vardiff(SPM, hashRateToTarget(1, SPM), start);
    tiny.update(hashRateToTarget(1, SPM), start + 90_000);
    expect(tiny.estimatedHashRate).toBe(1);
  });

  it("needs a larger change early and accepts a smaller one later (30 % after 240 s)", () => {
    const target = hashRateToTarget(TH, SPM);
    const early = new Vardiff(SPM, target, start);
    for (let i = 0; i < 8; i++) early.recordShare(); // 8 shares in 60 s = +33 %
    expect(early.update(target, start + 60_000)).toBeUndefined();
    const late = new Vardiff(SPM, target, start);
    for (let i = 0; i < 32; i++) late.recordShare(); // 32 shares in 240 s = +33 %
    expect(late.update(target, start + 240_000)).toBeDefined();
  });
});
