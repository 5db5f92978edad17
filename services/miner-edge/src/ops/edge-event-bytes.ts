import { appendBytesField, messageToBinary } from "@gatehouse/bus";
import { type EdgeEvent, EdgeEventSchema } from "@gatehouse/proto/mining/v1";

const SHARE_FIELD = EdgeEventSchema.field.share.number;

/**
 * An EdgeEvent's wire bytes. `encodedShare`, when given, is its share detail already serialized
 * (the ShareAccepted stored in SHARES): it is copied in as the field's bytes instead of encoded a
 * second time. The result is the bytes toBinary gives (the share is the last field in number order).
 */
export function edgeEventBytes(event: EdgeEvent, encodedShare: Uint8Array | undefined): Uint8Array {
  if (encodedShare === undefined || event.detail.case !== "share") return messageToBinary(EdgeEventSchema, event);
  const envelope = messageToBinary(EdgeEventSchema, { ...event, detail: { case: undefined } });
  return appendBytesField(envelope, SHARE_FIELD, encodedShare);
}
