import { toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type EdgeEvent, EdgeEventSchema } from "@gatehouse/proto/mining/v1";

const SHARE_FIELD = EdgeEventSchema.field.share.number;

/**
 * An EdgeEvent's wire bytes. `encodedShare`, when given, is its share detail already serialized
 * (the ShareAccepted stored in SHARES): it is copied in as the field's bytes instead of encoded a
 * second time. The result is the bytes toBinary gives (the share is the last field in number order).
 */
export function edgeEventBytes(event: EdgeEvent, encodedShare: Uint8Array | undefined): Uint8Array {
  if (encodedShare === undefined || event.detail.case !== "share") return toBinary(EdgeEventSchema, event);
  const envelope = toBinary(EdgeEventSchema, { ...event, detail: { case: undefined } });
  return new BinaryWriter().raw(envelope).tag(SHARE_FIELD, WireType.LengthDelimited).bytes(encodedShare).finish();
}
