import { describe, expect, it } from "@jest/globals";
import { isSv2Error } from "../errors.js";
import { decodePayload, encodeFrame } from "../messages/registry.js";
import { PlainFrameDecoder, PlainFrameEncoder } from "./plain-frames.js";

const share = { channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 };

describe("plaintext framing", () => {
  it("encodes exactly the plain frame and decodes it back across arbitrary chunk boundaries", () => {
    const bytes = new PlainFrameEncoder().encodeMessage("SubmitSharesStandard", share);
    expect(bytes).toEqual(encodeFrame("SubmitSharesStandard", share));
    const decoder = new PlainFrameDecoder();
    const stream = new Uint8Array([...bytes, ...bytes]);
    const frames = [];
    for (let i = 0; i < stream.length; i += 5) {
      decoder.push(stream.subarray(i, i + 5));
      for (let frame = decoder.next(); frame; frame = decoder.next()) frames.push(frame);
    }
    expect(frames).toHaveLength(2);
    for (const frame of frames)
      expect(decodePayload(frame.header, frame.payload)).toEqual({ type: "SubmitSharesStandard", message: share });
  });

  it("refuses an oversized frame at its header and stays failed", () => {
    const decoder = new PlainFrameDecoder(10);
    decoder.push(new PlainFrameEncoder().encodeMessage("SubmitSharesStandard", share));
    let first: unknown;
    try {
      decoder.next();
    } catch (err) {
      first = err;
    }
    expect(isSv2Error(first, "frame_too_large")).toBe(true);
    expect(() => decoder.next()).toThrow(/exceeds the limit 10/);
  });
});
