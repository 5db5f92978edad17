import { describe, expect, it } from "@jest/globals";
import { percentiles, Stats } from "./stats.js";

describe("percentiles", () => {
  it("nearest rank over the sorted values", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});

describe("Stats", () => {
  it("counts answers by reason and kind, and flags the ones that contradict the kind sent", () => {
    const s = new Stats();
    s.answer("good", undefined, 1);
    s.answer("stale", "stale-share", 2);
    s.answer("replay", "stale-share", 3);
    s.answer("good", "difficulty-too-low", 4);
    s.answer("version", undefined, 5);
    s.answer("good", "stale-share", 6, true);
    expect(s.accepted).toBe(2);
    expect(s.rejected).toBe(4);
    expect(s.rejectedByReason).toEqual({ "stale-share": 3, "difficulty-too-low": 1 });
    expect(s.rejectedByKind).toEqual({
      stale: { "stale-share": 1 },
      replay: { "stale-share": 1 },
      good: { "difficulty-too-low": 1, "stale-share": 1 },
    });
    expect(s.unexpected).toEqual({
      "replay_rejected:stale-share": 1,
      "good_rejected:difficulty-too-low": 1,
      version_accepted: 1,
    });
    expect(s.staleByTipChange).toBe(1);
    expect(s.badKindsAsExpected()).toEqual(["stale"]);
    expect(s.latency()).toMatchObject({ count: 6, max: 6 });
  });

  it("keeps a bounded uniform sample of latencies but counts them all", () => {
    let seed = 1;
    const s = new Stats(() => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    });
    for (let i = 1; i <= 200_000; i++) s.answer("good", undefined, i);
    const p = s.latency();
    expect(p.count).toBe(200_000);
    // A uniform sample of 1..200000 has its median near 100000.
    expect(p.p50).toBeGreaterThan(95_000);
    expect(p.p50).toBeLessThan(105_000);
  });

  it("groups connection errors by message without their numbers", () => {
    const s = new Stats();
    s.connectionError("connect to 127.0.0.1:3333 failed: ECONNREFUSED");
    s.connectionError("connect to 127.0.0.1:3334 failed: ECONNREFUSED");
    expect(s.connectionErrors).toEqual({ "connect to N.N.N.N:N failed: ECONNREFUSED": 2 });
  });
});
