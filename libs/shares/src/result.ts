import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type GatewayReason, type ShareAccepted, type ShareForwardResult, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";

/** What became of one forward attempt sequence, in ReserveGrid OS's share_forward_result terms. */
export interface ForwardOutcome {
  forwarded: boolean;
  upstreamAccepted?: boolean;
  upstreamHttpStatus?: number;
  upstreamError?: string;
  reasonCode: GatewayReason;
  attempts: number;
}

/** The one ShareForwardResult of an accepted share. */
export function forwardResult(
  share: Pick<ShareAccepted, "shareId" | "eventId" | "workerId">,
  outcome: ForwardOutcome,
  instanceId: string,
  nowMs: number = Date.now(),
): ShareForwardResult {
  const init: MessageInitShape<typeof ShareForwardResultSchema> = {
    shareId: share.shareId,
    eventId: share.eventId,
    workerId: share.workerId,
    forwarded: outcome.forwarded,
    reasonCode: outcome.reasonCode,
    timestampMs: BigInt(nowMs),
    attempts: outcome.attempts,
    forwarderInstanceId: instanceId,
  };
  if (outcome.upstreamAccepted !== undefined) init.upstreamAccepted = outcome.upstreamAccepted;
  if (outcome.upstreamHttpStatus !== undefined) init.upstreamHttpStatus = outcome.upstreamHttpStatus;
  if (outcome.upstreamError !== undefined) init.upstreamError = outcome.upstreamError;
  return create(ShareForwardResultSchema, init);
}

/** A share that never reached the upstream because the queue refused or dropped it. */
export function notForwarded(reasonCode: GatewayReason): ForwardOutcome {
  return { forwarded: false, reasonCode, attempts: 0 };
}
