import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isSv2Error } from "../errors.js";
import { decodePayload } from "../messages/registry.js";
import { CipherState, MAX_NONCE } from "../noise/cipher-state.js";
import { ENCRYPTED_HEADER_SIZE, encryptedPayloadLength, NoiseFrameDecoder, NoiseFrameEncoder } from "./noise-frames.js";

const key = new Uint8Array(32).fill(7);
const pair = (maxPayload?: number) => ({
  encoder: new NoiseFrameEncoder(new CipherState(key)),
  decoder: new NoiseFrameDecoder(new CipherState(key), maxPayload),
});
const share = { channelId: 1, sequenceNumber: 2, jobId: 3, nonce: 4, ntime: 5, version: 6 };

describe("encrypted SV2 framing", () => {
  it("sizes: SubmitSharesStandard is 62 bytes on the wire; 65,520 bytes take two blocks", () => {
    const { encoder } = pair();
    expect(encoder.encodeMessage("SubmitSharesStandard", share)).toHaveLength(62);
    expect(encoder.encodeMessage("SetupConnectionSuccess", { usedVersion: 2, flags: 0 })).toHaveLength(44);
    expect(encryptedPayloadLength(0)).toBe(0);
    expect(encryptedPayloadLength(65_519)).toBe(65_535);
    expect(ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(65_520)).toBe(65_574);
  });

  it("round-trips frames of any size split across arbitrary reads, each chunk consuming one nonce", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 70_000 }),
        (sizes, readSize) => {
          const { encoder, decoder } = pair();
          const payloads = sizes.map((n) => new Uint8Array(randomBytes(n)));
          const wire = Buffer.concat(
            payloads.map((p) => encoder.encodeFrame({ extensionType: 0x4001, channelMsg: false, msgType: 9, msgLength: p.length }, p)),
          );
          const out = [];
          for (let at = 0; at < wire.length; at += readSize) {
            decoder.push(wire.subarray(at, at + readSize));
            for (let f = decoder.next(); f; f = decoder.next()) out.push(f);
          }
          expect(out).toHaveLength(payloads.length);
          expect(out.every((f, i) => Buffer.compare(f.payload, payloads[i] as Uint8Array) === 0)).toBe(true);
          expect(out.every((f, i) => f.header.msgLength === sizes[i])).toBe(true);
          expect(decoder.buffered).toBe(0);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("a zero-length payload is only the 22-byte header and consumes no payload nonce", () => {
    const enc = new CipherState(key);
    const frame = new NoiseFrameEncoder(enc).encodeFrame(
      { extensionType: 0, channelMsg: false, msgType: 0x71, msgLength: 0 },
      new Uint8Array(0),
    );
    expect(frame).toHaveLength(22);
    expect(enc.nonce).toBe(1);
  });

  it("rejects every single flipped bit of a transport frame (all 496 of a share frame)", () => {
    const frame = pair().encoder.encodeMessage("SubmitSharesStandard", share);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const { decoder } = pair();
      const tampered = Uint8Array.from(frame);
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      decoder.push(tampered);
      let error: unknown;
      try {
        decoder.next();
      } catch (err) {
        error = err;
      }
      if (!isSv2Error(error, "decrypt_failed")) throw new Error(`bit ${bit}: ${String(error)}`);
      expect(() => decoder.next()).toThrow(/decrypt_failed/);
    }
  });

  it("refuses an oversized frame from its header, before its payload arrives", () => {
    const { encoder, decoder } = pair(1000);
    const frame = encoder.encodeFrame({ extensionType: 0, channelMsg: false, msgType: 0x74, msgLength: 5000 }, new Uint8Array(5000));
    decoder.push(frame.subarray(0, ENCRYPTED_HEADER_SIZE));
    expect(() => decoder.next()).toThrow(/frame_too_large/);
  });

  it("decodes a transported message", () => {
    const { encoder, decoder } = pair();
    decoder.push(encoder.encodeMessage("SubmitSharesStandard", share));
    const frame = decoder.next();
    if (!frame) throw new Error("no frame");
    expect(decodePayload(frame.header, frame.payload)).toEqual({ type: "SubmitSharesStandard", message: share });
  });

  it("guards nonce exhaustion instead of wrapping", () => {
    const cipher = new CipherState(key, MAX_NONCE - 1);
    cipher.encryptWithAd(new Uint8Array(0), new Uint8Array(1));
    expect(() => cipher.encryptWithAd(new Uint8Array(0), new Uint8Array(1))).toThrow(/nonce_exhausted/);
    const nearEnd = new NoiseFrameEncoder(new CipherState(key, MAX_NONCE - 1));
    expect(() => nearEnd.encodeMessage("SubmitSharesStandard", share)).toThrow(/nonce_exhausted/);
  });

  it("uses the Noise nonce layout 00000000 ‖ LE64(n)", () => {
    const n = 2 ** 40 + 5;
    const ct = new CipherState(key, n).encryptWithAd(new Uint8Array(0), Uint8Array.of(1, 2, 3));
    const nonce = Buffer.from("000000000500000000010000", "hex");
    expect(nonce.readBigUInt64LE(4)).toBe(BigInt(n));
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(ct.subarray(3));
    expect([...decipher.update(ct.subarray(0, 3)), ...decipher.final()]).toEqual([1, 2, 3]);
  });
});
