import { createLogger, ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { EventLog } from "../ops/event-log.js";
import { ModeState } from "./mode-state.js";

function harness(configured: "observe" | "inline") {
  const events = new EventLog(10, "t", [], new ManualClock());
  return { events, mode: new ModeState(configured, events, createLogger({ service: "miner-edge", instanceId: "t", level: "fatal" })) };
}

describe("ModeState (inline degrades to observe without verifier heartbeats)", () => {
  it("degrades once the heartbeat is older than the limit, recovers when it is fresh, each time once", () => {
    const { events, mode } = harness("inline");
    expect(mode.check(500, 1000, 0)).toBeUndefined();
    expect(mode.effective).toBe("inline");
    expect(mode.check(1500, 1000, 10_000)).toBe("degraded");
    expect(mode.check(2500, 1000, 11_000)).toBeUndefined();
    expect(mode.effective).toBe("observe");
    mode.unenforcedJobs = 3;
    expect(mode.check(100, 1000, 14_000)).toBe("recovered");
    expect(mode.effective).toBe("inline");
    const [recovered, degraded] = events.recent({ limit: 10 });
    expect(recovered?.detail).toMatchObject({
      case: "modeTransition",
      value: { direction: "recovered", degradedDurationMs: 4000n, unenforcedJobs: 3n },
    });
    expect(degraded?.detail).toMatchObject({ case: "modeTransition", value: { direction: "degraded" } });
  });

  it("never transitions a mode other than inline", () => {
    const { mode } = harness("observe");
    expect(mode.check(undefined, 1000, 0)).toBeUndefined();
    expect(mode.effective).toBe("observe");
  });
});
