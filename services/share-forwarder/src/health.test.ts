import { describe, expect, it } from "@jest/globals";
import type { AttemptOutcome } from "./classify.js";
import { UpstreamHealth } from "./health.js";

const refused: AttemptOutcome = { kind: "transient", error: "ECONNREFUSED", unreachable: true };
const throttled: AttemptOutcome = { kind: "transient", status: 429, error: "slow down", unreachable: false };

describe("upstream health", () => {
  it("goes down after the threshold of consecutive unreachable attempts and up on any answer", () => {
    let now = 1_000;
    const changes: boolean[] = [];
    const health = new UpstreamHealth(
      3,
      (down) => changes.push(down),
      () => now,
    );
    health.record(refused);
    health.record(refused);
    expect(health.down).toBe(false);
    health.record(refused);
    expect(health.down).toBe(true);
    now += 4_000;
    expect(health.unreachableForMs()).toBe(4_000);
    expect(health.probe(5_000)).toEqual({ ok: true });
    now += 1_000;
    expect(health.probe(5_000)).toEqual({ ok: false, reason: "share upstream unreachable for 5 s" });
    health.record(throttled);
    expect(health.down).toBe(false);
    expect(health.probe(5_000)).toEqual({ ok: true });
    expect(changes).toEqual([true, false]);
  });

  it("an answer in between resets the count", () => {
    const health = new UpstreamHealth(2);
    health.record(refused);
    health.record({ kind: "accepted", status: 200 });
    health.record(refused);
    expect(health.down).toBe(false);
  });
});
