import { GatewayReason } from "@gatehouse/proto/mining/v1";
import { Sv2Error } from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import { sendFailureReason, transportReason } from "./close-reasons.js";

describe("connection close reasons", () => {
  it("a transport failure says what the peer did: oversized or undecodable frames, not reading, or leaving", () => {
    expect(transportReason(new Sv2Error("frame_too_large", "x"))).toBe(GatewayReason.frame_too_large);
    expect(transportReason(new Sv2Error("frame_decode_error", "x"))).toBe(GatewayReason.frame_decode_error);
    expect(transportReason(new Sv2Error("send_buffer_full", "x"))).toBe(GatewayReason.peer_quota_exceeded);
    expect(transportReason(new Sv2Error("write_stalled", "x"))).toBe(GatewayReason.peer_quota_exceeded);
    expect(transportReason(new Sv2Error("connection_closed", "x"))).toBe(GatewayReason.GATEWAY_REASON_UNSPECIFIED);
  });

  it("a failed write is a quota only when the miner stopped reading; otherwise peer_send_failed", () => {
    expect(sendFailureReason(new Sv2Error("send_buffer_full", "x"))).toBe(GatewayReason.peer_quota_exceeded);
    expect(sendFailureReason(new Sv2Error("write_stalled", "x"))).toBe(GatewayReason.peer_quota_exceeded);
    expect(sendFailureReason(new Sv2Error("connection_closed", "x"))).toBe(GatewayReason.peer_send_failed);
    expect(sendFailureReason(new Error("EPIPE"))).toBe(GatewayReason.peer_send_failed);
  });
});
