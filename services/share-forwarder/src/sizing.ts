import { GatewayReason } from "@gatehouse/proto/mining/v1";

/** Shares a replica takes from the consumer per pull: enough to keep every in-flight slot busy, at least 64. */
export function deliveryBufferSize(maxInFlight: number): number {
  return Math.max(64, maxInFlight);
}

/** The consumer's max_ack_pending: the shares in flight plus two pulls' worth waiting behind them. */
export function consumerMaxAckPending(maxInFlight: number, bufferSize: number): number {
  return maxInFlight + 2 * bufferSize;
}

/** The largest upstream answer read: a batch answer carries one entry per share (~512 bytes each), at least 16 KiB. */
export function upstreamResponseLimitBytes(batchMaxShares: number): number {
  return Math.max(16 * 1024, batchMaxShares * 512);
}

/** The `reason_code` label of a recorded result: `none` for an accepted share, else the reason's name. */
export function resultReasonLabel(reasonCode: GatewayReason): string {
  return reasonCode === GatewayReason.GATEWAY_REASON_UNSPECIFIED ? "none" : (GatewayReason[reasonCode] ?? "unknown");
}

export const DEFAULT_REPLAY_LIMIT = 10_000;

/** How many results an admin replay returns: the request's limit, or 10 000 when it asks for 0 (unset). */
export function replayLimit(requested: number): number {
  return requested === 0 ? DEFAULT_REPLAY_LIMIT : requested;
}
