import { MempoolView } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { heartbeatState, type VerifierState } from "./heartbeat.js";

const healthy: VerifierState = {
  instanceId: "tv-1",
  policyHash: "abc",
  sourcesHealthy: true,
  busHealthy: true,
  lastTemplateId: 7n,
  mempoolView: MempoolView.fresh,
};

describe("heartbeatState", () => {
  it("is ready with a policy, healthy sources and a healthy bus, and echoes the state", () => {
    expect(heartbeatState(healthy)).toEqual({
      verifierInstanceId: "tv-1",
      ready: true,
      policyHash: "abc",
      lastTemplateId: 7n,
      sourceHealthy: true,
      mempoolView: MempoolView.fresh,
    });
  });

  it("is not ready without a policy (hash empty), with a silent source, or without the bus", () => {
    const noPolicy = heartbeatState({ ...healthy, policyHash: undefined });
    expect(noPolicy.ready).toBe(false);
    expect(noPolicy.policyHash).toBe("");
    const silent = heartbeatState({ ...healthy, sourcesHealthy: false });
    expect(silent.ready).toBe(false);
    expect(silent.sourceHealthy).toBe(false);
    expect(heartbeatState({ ...healthy, busHealthy: false }).ready).toBe(false);
  });
});
