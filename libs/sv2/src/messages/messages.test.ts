import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import type { Codec } from "../binary/types.js";
import { isSv2Error } from "../errors.js";
import { decodeHeader, encodeHeader } from "../framing/header.js";
import { decodeFrame } from "../framing/plain.js";
import { commonMessages } from "./common.js";
import type { MessageDef } from "./define.js";
import { miningMessages } from "./mining.js";
import { channelBitDiffers, decodePayload, encodeFrame, encodePayload, headerFor, type MessageName } from "./registry.js";
import { templateDistributionMessages } from "./template-distribution.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8Length = (s: string) => Buffer.byteLength(s, "utf8");

// Builds a fast-check arbitrary from a codec's type name, so every field of every message is covered.
function arbitraryFor(codec: Codec<unknown>): fc.Arbitrary<unknown> {
  const name = codec.name;
  const inner = name.match(/^(SEQ0_255|SEQ0_64K|OPTION)\[(.+)\]$/);
  if (inner) {
    const item = arbitraryFor({ name: inner[2] as string } as Codec<unknown>);
    if (inner[1] === "OPTION") return fc.option(item, { nil: undefined });
    return fc.array(item, { maxLength: inner[1] === "SEQ0_255" ? 255 : 300 });
  }
  switch (name) {
    case "U8":
      return fc.integer({ min: 0, max: 0xff });
    case "U16":
      return fc.integer({ min: 0, max: 0xffff });
    case "U32":
      return fc.integer({ min: 0, max: 0xffffffff });
    case "U64":
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case "F32":
      return fc.float({ noNaN: true });
    case "BOOL":
      return fc.boolean();
    case "U256":
      return fc.uint8Array({ minLength: 32, maxLength: 32 });
    case "B0_32":
      return fc.uint8Array({ maxLength: 32 });
    case "B0_255":
      return fc.uint8Array({ maxLength: 255 });
    case "B0_64K":
      return fc.uint8Array({ maxLength: 2000 });
    case "B0_16M":
      return fc.uint8Array({ maxLength: 1000 });
    case "STR0_255":
      return fc.string({ unit: "grapheme", maxLength: 80 }).filter((s) => utf8Length(s) <= 255);
    default:
      throw new Error(`no arbitrary for ${name}`);
  }
}

const allDefs: readonly MessageDef[] = [...commonMessages, ...miningMessages, ...templateDistributionMessages];

describe("message codecs", () => {
  it.each(allDefs.map((d) => [d.name, d] as const))("decode(encode(m)) = m for %s", (_name, def) => {
    const fields = Object.fromEntries(Object.entries(def.fields).map(([k, c]) => [k, arbitraryFor(c)]));
    fc.assert(
      fc.property(fc.record(fields), (message) => {
        const name = def.name as MessageName;
        const frame = encodeFrame(name, message as never);
        const decoded = decodeFrame(frame);
        expect(decoded.type).toBe(def.name);
        expect(decoded.message).toEqual(message);
        expect(decodeHeader(frame).channelMsg).toBe(def.channelMsg);
      }),
      { numRuns: 60 },
    );
  });

  it("covers every message type of the common, mining and template distribution tables", () => {
    const types = allDefs.map((d) => d.msgType).sort((a, b) => a - b);
    const expected = [
      0x00,
      0x01,
      0x02,
      0x03,
      0x04,
      ...Array.from({ length: 0x26 - 0x10 }, (_, i) => 0x10 + i).filter((t) => t !== 0x1e),
      0x70,
      0x71,
      0x72,
      0x73,
      0x74,
      0x75,
      0x76,
    ];
    expect(types).toEqual(expected);
  });
});

describe("Template Provider byte vectors (sv2-tp src/test/sv2_messages_tests.cpp)", () => {
  it("SetupConnection is 82 bytes with header 000000520000", () => {
    const frame = encodeFrame("SetupConnection", {
      protocol: 2,
      minVersion: 2,
      maxVersion: 2,
      flags: 1,
      endpointHost: "0.0.0.0",
      endpointPort: 8545,
      vendor: "Bitmain",
      hardwareVersion: "S9i 13.5",
      firmware: "braiins-os-2018-09-22-1-hash",
      deviceId: "some-device-uuid",
    });
    expect(toHex(frame.subarray(0, 6))).toBe("000000520000");
    expect(frame.length - 6).toBe(82);
    // endpoint_port 8545 is LE 61 21, right after the 7-byte host string.
    expect(toHex(frame.subarray(6 + 9 + 8, 6 + 9 + 8 + 2))).toBe("6121");
  });

  it("SetupConnection.Success and .Error payloads", () => {
    expect(toHex(encodePayload("SetupConnectionSuccess", { usedVersion: 2, flags: 3 }))).toBe("020003000000");
    const err = "000000001970726f746f636f6c2d76657273696f6e2d6d69736d61746368";
    expect(toHex(encodePayload("SetupConnectionError", { flags: 0, errorCode: "protocol-version-mismatch" }))).toBe(err);
    expect(decodePayload(headerFor("SetupConnectionError", 30), hex(err)).message).toEqual({
      flags: 0,
      errorCode: "protocol-version-mismatch",
    });
  });

  it("NewTemplate (89 bytes) decodes to the TP's fields and re-encodes identically", () => {
    const bytes = hex(
      "01000000000000000000000030020000000403012100ffffffff0040075af0750700010000000c000100000000000000036a012adbc80d00011a6240823de4c8d6aaf826851bdf2b0e8d5acf7c31e8578cff4c394b5a32bd4e",
    );
    expect(bytes.length).toBe(89);
    const decoded = decodePayload(headerFor("NewTemplate", 89), bytes);
    if (decoded.type !== "NewTemplate") throw new Error("wrong type");
    const t = decoded.message;
    expect(t.templateId).toBe(1n);
    expect(t.futureTemplate).toBe(false);
    expect(t.version).toBe(0x30000000);
    expect(t.coinbaseTxVersion).toBe(2);
    expect(toHex(t.coinbasePrefix)).toBe("03012100");
    expect(t.coinbaseTxInputSequence).toBe(0xffffffff);
    expect(t.coinbaseTxValueRemaining).toBe(2_100_000_000_000_000n);
    expect(t.coinbaseTxOutputsCount).toBe(1);
    expect(toHex(t.coinbaseTxOutputs)).toBe("0100000000000000036a012a");
    expect(t.coinbaseTxLocktime).toBe(903_387);
    expect(t.merklePath).toHaveLength(1);
    expect(encodePayload("NewTemplate", t)).toEqual(bytes);
  });

  it("TDP SetNewPrevHash (80 bytes)", () => {
    const bytes = hex(
      `0200000000000000e59a2ef8d4826b89fe637f3b5322c0f167fd2d3dc88ec568a7c2c8ffd8eb8873973c0e63ffff7f03ffff7f${"00".repeat(29)}`,
    );
    expect(bytes.length).toBe(80);
    const decoded = decodePayload(headerFor("SetNewPrevHashTdp", 80), bytes);
    if (decoded.type !== "SetNewPrevHashTdp") throw new Error("wrong type");
    expect(decoded.message.templateId).toBe(2n);
    expect(decoded.message.headerTimestamp).toBe(1_661_877_399);
    expect(decoded.message.nBits).toBe(0x037fffff);
    expect(toHex(decoded.message.target)).toBe(`ffff7f${"00".repeat(29)}`);
    expect(encodePayload("SetNewPrevHashTdp", decoded.message)).toEqual(bytes);
  });
});

describe("frame header", () => {
  it.each([
    ["000000520000", { extensionType: 0, channelMsg: false, msgType: 0x00, msgLength: 82 }],
    ["000071000000", { extensionType: 0, channelMsg: false, msgType: 0x71, msgLength: 0 }],
    ["010203040506", { extensionType: 0x0201, channelMsg: false, msgType: 0x03, msgLength: 0x060504 }],
    ["00801e2e0000", { extensionType: 0, channelMsg: true, msgType: 0x1e, msgLength: 46 }],
    ["00801a180000", { extensionType: 0, channelMsg: true, msgType: 0x1a, msgLength: 24 }],
  ])("%s", (bytes, header) => {
    expect(decodeHeader(hex(bytes))).toEqual(header);
    expect(toHex(encodeHeader(header))).toBe(bytes);
  });

  it("masks the channel bit before extension lookup (0x8ABC is extension 0x0ABC)", () => {
    expect(decodeHeader(hex("bc8a00000000"))).toMatchObject({ extensionType: 0x0abc, channelMsg: true });
  });

  it("SubmitSharesStandard is a 30-byte plain frame carrying the channel bit", () => {
    const frame = encodeFrame("SubmitSharesStandard", { channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 });
    expect(toHex(frame.subarray(0, 6))).toBe("00801a180000");
    expect(frame.length).toBe(30);
  });
});

describe("decode rejects bad input with typed reasons", () => {
  const reasonOf = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (isSv2Error(err)) return err.reason;
      throw err;
    }
    return "no error";
  };

  it("bounds, trailing bytes, options, UTF-8, channel bit, unknown types", () => {
    const ok = encodeFrame("SetExtranoncePrefix", { channelId: 1, extranoncePrefix: new Uint8Array(32) });
    const tooLong = Uint8Array.from(ok);
    tooLong[10] = 33; // B0_32 length byte
    expect(reasonOf(() => decodeFrame(tooLong))).toBe("frame_decode_error");
    expect(reasonOf(() => decodeFrame(ok.subarray(0, ok.length - 1)))).toBe("frame_decode_error");
    const job = encodeFrame("NewMiningJob", { channelId: 1, jobId: 2, minNtime: undefined, version: 3, merkleRoot: new Uint8Array(32) });
    const badOption = Uint8Array.from(job);
    badOption[14] = 2;
    expect(reasonOf(() => decodeFrame(badOption))).toBe("frame_decode_error");
    const bad = encodeFrame("CloseChannel", { channelId: 1, reasonCode: "ab" });
    bad[11] = 0xff;
    expect(reasonOf(() => decodeFrame(bad))).toBe("frame_decode_error");
    expect(reasonOf(() => decodeFrame(hex("00001e000000")))).toBe("unknown_message_type");
    expect(reasonOf(() => decodeFrame(hex("010000000000")))).toBe("unknown_extension");
    expect(reasonOf(() => decodeFrame(hex("000001ffffff"), 1000))).toBe("frame_too_large");
    const trailing = new Uint8Array([...encodeFrame("RequestTransactionData", { templateId: 5n }), 0]);
    trailing[3] = 9;
    expect(reasonOf(() => decodeFrame(trailing))).toBe("frame_decode_error");
  });

  it("decodes by msg_type with or without the channel bit (the spec's table vs its examples, sv2-tp and SRI), reporting the difference", () => {
    const share = { channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 };
    const spec = encodeFrame("SubmitSharesStandard", share);
    const omitted = encodeFrame("SubmitSharesStandard", share, "omit");
    expect([decodeHeader(spec).channelMsg, decodeHeader(omitted).channelMsg]).toEqual([true, false]);
    expect(Buffer.from(spec.subarray(2))).toEqual(Buffer.from(omitted.subarray(2)));
    for (const frame of [spec, omitted]) expect(decodeFrame(frame)).toEqual({ type: "SubmitSharesStandard", message: share });
    expect([channelBitDiffers(decodeHeader(spec)), channelBitDiffers(decodeHeader(omitted))]).toEqual([false, true]);
    // Set where the table says no: accepted and reported likewise.
    const setup = encodeFrame("SetupConnectionSuccess", { usedVersion: 2, flags: 0 });
    setup[1] = 0x80;
    expect(decodeFrame(setup).type).toBe("SetupConnectionSuccess");
    expect(channelBitDiffers(decodeHeader(setup))).toBe(true);
    const custom = encodeFrame("SetCustomMiningJobSuccess", { channelId: 1, requestId: 2, jobId: 3 });
    custom[1] = 0;
    expect(decodeFrame(custom)).toEqual({ type: "SetCustomMiningJobSuccess", message: { channelId: 1, requestId: 2, jobId: 3 } });
  });

  it("BOOL uses only the least significant bit", () => {
    const frame = encodeFrame("NewTemplate", {
      templateId: 1n,
      futureTemplate: false,
      version: 0,
      coinbaseTxVersion: 2,
      coinbasePrefix: new Uint8Array(0),
      coinbaseTxInputSequence: 0,
      coinbaseTxValueRemaining: 0n,
      coinbaseTxOutputsCount: 0,
      coinbaseTxOutputs: new Uint8Array(0),
      coinbaseTxLocktime: 0,
      merklePath: [],
    });
    frame[14] = 0xfe;
    expect(decodeFrame(frame).message).toMatchObject({ futureTemplate: false });
    frame[14] = 0x03;
    expect(decodeFrame(frame).message).toMatchObject({ futureTemplate: true });
  });

  it("encoders refuse values a decoder would reject", () => {
    expect(reasonOf(() => encodePayload("SetExtranoncePrefix", { channelId: 1, extranoncePrefix: new Uint8Array(33) }))).toBe(
      "invalid_argument",
    );
    expect(reasonOf(() => encodePayload("CloseChannel", { channelId: 2 ** 32, reasonCode: "" }))).toBe("invalid_argument");
    expect(reasonOf(() => encodePayload("CloseChannel", { channelId: 1, reasonCode: "é".repeat(128) }))).toBe("invalid_argument");
  });
});
