import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EdgeEventSchema, EdgeEventType, GatewayReason, ShareAcceptedSchema } from "@gatehouse/proto/mining/v1";
import { ManualClock } from "@gatehouse/service";
import { describe, expect, it } from "@jest/globals";
import { EventLog } from "./event-log.js";

function shareAccepted(workerId: string, n: number) {
  return create(ShareAcceptedSchema, {
    shareId: n.toString(16).padStart(64, "0"),
    eventId: `e${n}`,
    workerId,
    header: new Uint8Array(80).fill(n),
  });
}

describe("EventLog", () => {
  it("hands each sink the event with its wire bytes, the embedded share copied in as given", () => {
    const seen: { id: string; bytes: Uint8Array }[] = [];
    const log = new EventLog(10, "edge-1", [(event, bytes) => seen.push({ id: event.eventId, bytes })], new ManualClock(5_000));
    const share = shareAccepted("acme.rig1", 1);
    const event = log.record(
      { eventId: "e1", type: EdgeEventType.share_accepted, workerId: "acme.rig1", detail: { case: "share", value: share } },
      toBinary(ShareAcceptedSchema, share),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.bytes).toEqual(toBinary(EdgeEventSchema, event));
    expect(fromBinary(EdgeEventSchema, seen[0]?.bytes as Uint8Array)).toEqual(event);
    expect(event.timestampMs).toBe(5_000n);
    expect(event.gatewayInstanceId).toBe("edge-1");
  });

  it("answers recent() newest first from the kept bytes, filtered, within the ring's capacity", () => {
    const log = new EventLog(3, "edge-1", [], new ManualClock());
    const recorded = [1, 2, 3, 4].map((n) =>
      log.record({
        eventId: `e${n}`,
        type: n % 2 === 0 ? EdgeEventType.share_accepted : EdgeEventType.share_rejected,
        reasonCode: n % 2 === 0 ? GatewayReason.GATEWAY_REASON_UNSPECIFIED : GatewayReason.share_replay_detected,
        workerId: `w${n % 2}`,
        detail: { case: "share", value: shareAccepted(`w${n % 2}`, n) },
      }),
    );
    // Capacity 3: the first event is gone.
    expect(log.recent({ limit: 10 })).toEqual([recorded[3], recorded[2], recorded[1]]);
    expect(log.recent({ limit: 1 })).toEqual([recorded[3]]);
    expect(log.recent({ limit: 10, type: EdgeEventType.share_rejected })).toEqual([recorded[2]]);
    expect(log.recent({ limit: 10, workerId: "w0" })).toEqual([recorded[3], recorded[1]]);
    expect(log.recent({ limit: 10, reason: GatewayReason.share_replay_detected })).toEqual([recorded[2]]);
  });
});
