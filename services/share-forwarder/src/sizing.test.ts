import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { consumerMaxAckPending, deliveryBufferSize, replayLimit, resultReasonLabel, upstreamResponseLimitBytes } from "./sizing.js";

describe("forwarder sizing rules", () => {
  it("pulls at least 64 shares, or as many as may be in flight", () => {
    expect(deliveryBufferSize(8)).toBe(64);
    expect(deliveryBufferSize(200)).toBe(200);
  });

  it("lets the in-flight shares plus two pulls wait for acknowledgement", () => {
    expect(consumerMaxAckPending(8, 64)).toBe(136);
    expect(consumerMaxAckPending(200, 200)).toBe(600);
  });

  it("reads answers of at least 16 KiB, more for large batches", () => {
    expect(upstreamResponseLimitBytes(1)).toBe(16 * 1024);
    expect(upstreamResponseLimitBytes(100)).toBe(100 * 512);
  });

  it("labels an accepted share's result none and others by reason name", () => {
    expect(resultReasonLabel(GatewayReason.GATEWAY_REASON_UNSPECIFIED)).toBe("none");
    expect(resultReasonLabel(GatewayReason.share_forward_failed)).toBe("share_forward_failed");
    expect(resultReasonLabel(9999 as GatewayReason)).toBe("unknown");
  });

  it("replays 10 000 results when the request leaves the limit at 0", () => {
    expect(replayLimit(0)).toBe(10_000);
    expect(replayLimit(25)).toBe(25);
  });
});
