import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EdgeEventSchema, EdgeEventType, GatewayReason, ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { edgeEventBytes } from "./edge-event-bytes.js";

const share = create(ShareAcceptedSchema, {
  shareId: "ab".repeat(32),
  eventId: "cd".repeat(32),
  channelId: 3,
  workerId: "acme.rig1",
  difficultyTarget: 0.5,
  timestampMs: 1_700_000_000_000n,
  header: new Uint8Array(80).fill(7),
  connectionId: 9n,
});

function shareEvent() {
  return create(EdgeEventSchema, {
    eventId: share.eventId,
    type: EdgeEventType.share_accepted,
    workerId: share.workerId,
    channelId: 3,
    timestampMs: 1_700_000_000_001n,
    gatewayInstanceId: "edge-1",
    connectionId: 9n,
    detail: { case: "share", value: share },
  });
}

describe("edgeEventBytes", () => {
  it("embeds the share's stored bytes and gives exactly toBinary's bytes", () => {
    const event = shareEvent();
    const bytes = edgeEventBytes(event, toBinary(ShareAcceptedSchema, share));
    expect(bytes).toEqual(toBinary(EdgeEventSchema, event));
    const decoded = fromBinary(EdgeEventSchema, bytes);
    expect(decoded.detail.case).toBe("share");
    expect(decoded.detail.value).toEqual(share);
  });

  it("uses the given bytes rather than encoding the share again", () => {
    const other = toBinary(ShareAcceptedSchema, create(ShareAcceptedSchema, { shareId: "ef".repeat(32) }));
    const decoded = fromBinary(EdgeEventSchema, edgeEventBytes(shareEvent(), other));
    expect(decoded.detail.case === "share" && decoded.detail.value.shareId).toBe("ef".repeat(32));
  });

  it("leaves the recorded event as it was", () => {
    const event = shareEvent();
    edgeEventBytes(event, toBinary(ShareAcceptedSchema, share));
    expect(event.detail.case).toBe("share");
  });

  it("encodes an event without share bytes, or whose detail is not a share, as toBinary does", () => {
    const rejected = create(EdgeEventSchema, { type: EdgeEventType.channel_rejected, reasonCode: GatewayReason.channel_limit_exceeded });
    expect(edgeEventBytes(rejected, new Uint8Array([1, 2]))).toEqual(toBinary(EdgeEventSchema, rejected));
    expect(edgeEventBytes(shareEvent(), undefined)).toEqual(toBinary(EdgeEventSchema, shareEvent()));
  });
});
