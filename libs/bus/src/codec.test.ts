import { GatewayReason, ShareAcceptedSchema, Sv2Response, VerifierHeartbeatSchema } from "@gatehouse/proto/mining/v1";
import { describe, expect, it } from "@jest/globals";
import { BusDecodeError, decode, encode, headersOfType, withHeaders } from "./codec.js";
import { Header } from "./headers.js";

describe("codec", () => {
  const share = {
    shareId: "ab".repeat(32),
    channelId: 3,
    sv2Response: Sv2Response.success,
    reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
  };

  it("round-trips a message with the type, content type, trace and dedup headers", () => {
    const { data, headers } = encode(ShareAcceptedSchema, share, { msgId: "e1", traceparent: "00-aa-bb-01" });
    expect(headers.get(Header.type)).toBe("gatehouse.mining.v1.ShareAccepted");
    expect(headers.get(Header.contentType)).toBe("application/protobuf");
    expect(headers.get(Header.msgId)).toBe("e1");
    expect(headers.get(Header.traceparent)).toBe("00-aa-bb-01");
    const back = decode(ShareAcceptedSchema, data, headers);
    expect(back.shareId).toBe(share.shareId);
    expect(back.channelId).toBe(3);
    expect(back.sv2Response).toBe(Sv2Response.success);
  });

  it("gives bytes serialized elsewhere the same headers as encode", () => {
    const encoded = encode(ShareAcceptedSchema, share, { msgId: "e1" });
    const { data, headers } = withHeaders(ShareAcceptedSchema, encoded.data, { msgId: "e1" });
    expect(data).toBe(encoded.data);
    for (const key of [Header.contentType, Header.type, Header.msgId]) expect(headers.get(key)).toBe(encoded.headers.get(key));
    expect(headers.keys()).toEqual(encoded.headers.keys());
    expect(decode(ShareAcceptedSchema, data, headers).shareId).toBe(share.shareId);
  });

  it("gives every message of a type the same headers, built once and serialized as encode's", () => {
    const serialized = (h: unknown) => (h as { encode(): Uint8Array }).encode();
    const once = headersOfType(ShareAcceptedSchema);
    expect(headersOfType(ShareAcceptedSchema)).toBe(once);
    expect(serialized(once)).toBe(serialized(once));
    expect(serialized(once)).toEqual(serialized(encode(ShareAcceptedSchema, share).headers));
    expect(headersOfType(VerifierHeartbeatSchema).get(Header.type)).toBe("gatehouse.mining.v1.VerifierHeartbeat");
    expect(decode(ShareAcceptedSchema, encode(ShareAcceptedSchema, share).data, once).shareId).toBe(share.shareId);
  });

  it("refuses a message declared as another type", () => {
    const { data, headers } = encode(VerifierHeartbeatSchema, { sequence: 1n });
    expect(() => decode(ShareAcceptedSchema, data, headers)).toThrow(
      expect.objectContaining({
        reason: "type_mismatch",
        message: "expected gatehouse.mining.v1.ShareAccepted, got gatehouse.mining.v1.VerifierHeartbeat",
      }),
    );
  });

  it("refuses a message without a type header or with bytes that do not parse", () => {
    const { headers } = encode(ShareAcceptedSchema, share);
    expect(() => decode(ShareAcceptedSchema, new Uint8Array([1]), undefined)).toThrow(expect.objectContaining({ reason: "missing_type" }));
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    let caught: unknown;
    try {
      decode(ShareAcceptedSchema, garbage, headers);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BusDecodeError);
    expect((caught as BusDecodeError).reason).toBe("malformed");
  });
});
