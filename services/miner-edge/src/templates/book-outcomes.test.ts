import { EdgeEventType, GatewayReason } from "@gatehouse/proto/mining/v1";
import { createLogger, ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { templateFixture } from "../../test/template-fixture.js";
import { EventLog } from "../ops/event-log.js";
import type { CachedTemplate } from "./book.js";
import { bookOutcomes, type ServedMiners } from "./book-outcomes.js";
import { coinbaseParts } from "./coinbase.js";

function template(): CachedTemplate {
  const proposal = templateFixture({ templateId: 9n });
  return {
    proposal,
    parts: coinbaseParts(proposal, 8),
    prevHash: new Uint8Array(32),
    networkTarget: 1n,
    verdict: "pending",
    verdictReason: 0,
    receivedAt: 0,
  };
}

function harness(served: boolean) {
  const calls: string[] = [];
  const miners: ServedMiners = {
    serve: (t, newTip) => void calls.push(`serve ${t.proposal.templateId}${newTip ? " tip" : ""}`),
    expireAllJobs: () => void calls.push("expire"),
    closeAll: async (reason, detail) => void calls.push(`close ${GatewayReason[reason]} ${detail}`),
  };
  const recorded: { type: EdgeEventType; reasonCode: GatewayReason; reasonDetail: string }[] = [];
  const events = new EventLog(
    10,
    "t",
    [(e) => recorded.push({ type: e.type, reasonCode: e.reasonCode, reasonDetail: e.reasonDetail })],
    new ManualClock(),
  );
  const hooks = bookOutcomes({
    miners: () => (served ? miners : undefined),
    events,
    logger: createLogger({ service: "miner-edge", instanceId: "t", level: "fatal" }),
  });
  return { hooks, calls, recorded };
}

describe("bookOutcomes", () => {
  it("fail_closed switch timeout: expires every old-tip job, then closes every miner with prevhash-switch-timeout", () => {
    const { hooks, calls, recorded } = harness(true);
    hooks.switchTimeout(template(), false);
    expect(calls).toEqual(["expire", "close prevhash_switch_timeout prevhash-switch-timeout"]);
    expect(recorded).toEqual([
      {
        type: EdgeEventType.prevhash_switched,
        reasonCode: GatewayReason.prevhash_switch_timeout,
        reasonDetail: "old-tip jobs expired and miners disconnected (fail_closed)",
      },
    ]);
  });

  it("fail_open switch timeout: miners keep mining the template served unverified", () => {
    const { hooks, calls, recorded } = harness(true);
    hooks.switchTimeout(template(), true);
    expect(calls).toEqual([]);
    expect(recorded[0]?.reasonDetail).toBe("served unverified (fail_open)");
  });

  it("without miners (shadow mode) a switch timeout is only recorded", () => {
    const { hooks, calls, recorded } = harness(false);
    hooks.switchTimeout(template(), false);
    hooks.serve(template(), true);
    expect(calls).toEqual([]);
    expect(recorded).toHaveLength(1);
  });

  it("serves templates to the miners and records a rejected new tip", () => {
    const { hooks, calls, recorded } = harness(true);
    hooks.serve(template(), true);
    hooks.tipRejected(template());
    expect(calls).toEqual(["serve 9 tip"]);
    expect(recorded[0]).toMatchObject({ type: EdgeEventType.prevhash_switched, reasonCode: GatewayReason.prevhash_verdict_rejected });
  });
});
