import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Bus, encode, withHeaders } from "@gatehouse/bus";
import { GatewayReason, ShareAcceptedSchema, ShareForwardResultSchema } from "@gatehouse/proto/mining/v1";
import { JetStreamApiError } from "@nats-io/jetstream";
import { forwardResult, notForwarded } from "./result.js";

/** JetStream's answer to a publish into a full DiscardNew stream ("maximum messages exceeded"). */
const MAX_MESSAGES_EXCEEDED = 10077;
const MAX_BYTES_EXCEEDED = 10047;

export function isQueueFull(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === MAX_MESSAGES_EXCEEDED || err.code === MAX_BYTES_EXCEEDED);
}

export interface PublishShareOptions {
  /** The SHARES stream name (with prefix), so a publish into anything else fails loudly. */
  sharesStream: string;
  /** Recorded as forwarder_instance_id on a queue-full result (the publishing edge's id). */
  instanceId: string;
  traceparent?: string;
  /** `share` already serialized (toBinary), when the caller also embeds those bytes elsewhere: encoded once. */
  encoded?: Uint8Array;
}

/** `queued`: stored in the forward queue; `duplicate`: already there; `dropped`: queue full, result recorded. */
export type PublishShareOutcome = "queued" | "duplicate" | "dropped";

/**
 * Publishes an accepted share into the forward queue (the SHARES stream, Nats-Msg-Id = event_id).
 * When the queue refuses it (drop_new at capacity) the share never reaches the forwarder, so the
 * publisher records its one result itself — `share_dropped_queue_full`, also keyed by event_id —
 * before returning. Throws when neither could be recorded, so the caller can retry: the
 * event_id keys make a retry idempotent.
 */
export async function publishAcceptedShare(
  bus: Bus,
  share: MessageInitShape<typeof ShareAcceptedSchema> & { eventId: string; shareId: string },
  options: PublishShareOptions,
): Promise<PublishShareOutcome> {
  try {
    const headers = { msgId: share.eventId, ...(options.traceparent ? { traceparent: options.traceparent } : {}) };
    const encoded = options.encoded
      ? withHeaders(ShareAcceptedSchema, options.encoded, headers)
      : encode(ShareAcceptedSchema, share, headers);
    const ack = await bus.publishDurableEncoded(bus.subjects.shareAccepted, encoded, { expectStream: options.sharesStream });
    return ack.duplicate ? "duplicate" : "queued";
  } catch (err) {
    if (!isQueueFull(err)) throw err;
  }
  const result = forwardResult(
    { shareId: share.shareId, eventId: share.eventId, workerId: share.workerId ?? "" },
    notForwarded(GatewayReason.share_dropped_queue_full),
    options.instanceId,
  );
  await bus.publishDurable(bus.subjects.shareResult, ShareForwardResultSchema, result, {
    msgId: share.eventId,
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  });
  return "dropped";
}
