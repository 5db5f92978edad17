import { GatewayReason } from "@gatehouse/proto/mining/v1";
import type { Sv2Error } from "@gatehouse/sv2";

/** The reason code of a connection the SV2 transport ended (a bad or oversized frame, a peer that stopped reading). */
export function transportReason(err: Sv2Error): GatewayReason {
  switch (err.reason) {
    case "frame_too_large":
      return GatewayReason.frame_too_large;
    case "send_buffer_full":
    case "write_stalled":
      return GatewayReason.peer_quota_exceeded;
    case "connection_closed":
      return GatewayReason.GATEWAY_REASON_UNSPECIFIED;
    default:
      return GatewayReason.frame_decode_error;
  }
}

/**
 * The reason code of a failed write to a miner: the miner not reading (its send buffer full, the
 * write stalled) is a per-peer quota; anything else (the socket already gone) is peer_send_failed.
 */
export function sendFailureReason(err: unknown): GatewayReason {
  const reason = (err as { reason?: unknown } | null)?.reason;
  return reason === "send_buffer_full" || reason === "write_stalled" ? GatewayReason.peer_quota_exceeded : GatewayReason.peer_send_failed;
}
