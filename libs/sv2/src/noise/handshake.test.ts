import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isSv2Error, type Sv2ErrorReason } from "../errors.js";
import { type Certificate, certificateDigest } from "./certificate.js";
import { ellswiftCreate, randomSecretKey, xOnlyPublicKey } from "./ellswift.js";
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder, type ServerIdentity } from "./handshake.js";
import { bip340Sign } from "./schnorr.js";
import { issueServerIdentity } from "./server-identity.js";

const NOW = 1_790_000_000;
const authoritySecret = randomSecretKey();
const authority = xOnlyPublicKey(authoritySecret);
const identity = issueServerIdentity({ authoritySecretKey: authoritySecret, nowSeconds: NOW, validitySeconds: 86_400 });

function reasonOf(f: () => unknown): Sv2ErrorReason | "no error" {
  try {
    f();
  } catch (err) {
    if (isSv2Error(err)) return err.reason;
    throw err;
  }
  return "no error";
}

function handshake(server: ServerIdentity = identity, options: { authority?: Uint8Array; now?: number } = {}) {
  const initiator = new NoiseInitiator({ authorityPublicKey: options.authority ?? authority, now: () => options.now ?? NOW });
  const act1 = initiator.start();
  const responder = new NoiseResponder({ identity: server });
  const r = responder.respond(act1);
  return { initiator, responder, act1, act2: r.reply, responderKeys: r, finish: () => initiator.finish(r.reply) };
}

describe("Noise NX handshake", () => {
  it("produces a 64-byte act 1 and a 234-byte act 2", () => {
    const h = handshake();
    expect(h.act1).toHaveLength(ACT1_SIZE);
    expect(h.act2).toHaveLength(234);
    expect(ACT2_SIZE).toBe(234);
  });

  it("initiator and responder always agree on transport keys and the handshake hash", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (up, down) => {
        const h = handshake();
        const i = h.finish();
        expect(i.handshakeHash).toEqual(h.responderKeys.handshakeHash);
        expect(i.responderStaticXOnly).toEqual(identity.staticKey.xOnly);
        expect(h.responderKeys.decryptor.decryptWithAd(new Uint8Array(0), i.encryptor.encryptWithAd(new Uint8Array(0), up))).toEqual(up);
        expect(i.decryptor.decryptWithAd(new Uint8Array(0), h.responderKeys.encryptor.encryptWithAd(new Uint8Array(0), down))).toEqual(
          down,
        );
      }),
      { numRuns: 15 },
    );
  });

  it("rejects every single flipped bit of act 2 (all 1,872)", () => {
    // A fixed initiator ephemeral makes one act 2 valid for any initiator built with it.
    const ephemeral = ellswiftCreate();
    const initiatorFor = () => new NoiseInitiator({ authorityPublicKey: authority, now: () => NOW, ephemeral });
    const first = initiatorFor();
    const reply = new NoiseResponder({ identity }).respond(first.start()).reply;
    expect(reasonOf(() => initiatorFor().finish(reply))).toBe("handshake_failed"); // not started
    const check = initiatorFor();
    check.start();
    expect(reasonOf(() => check.finish(reply))).toBe("no error");
    for (let bit = 0; bit < ACT2_SIZE * 8; bit++) {
      const initiator = initiatorFor();
      initiator.start();
      const tampered = Uint8Array.from(reply);
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      const reason = reasonOf(() => initiator.finish(tampered));
      if (reason !== "handshake_failed") throw new Error(`bit ${bit} of act 2: ${reason}`);
      expect(initiator.phase).toBe("failed");
    }
  }, 60_000);

  it("a flipped bit in act 1 makes the handshake fail at the initiator", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ACT1_SIZE * 8 - 1 }), (bit) => {
        const initiator = new NoiseInitiator({ authorityPublicKey: authority, now: () => NOW });
        const act1 = initiator.start();
        act1[bit >> 3] = (act1[bit >> 3] as number) ^ (1 << (bit & 7));
        const reply = new NoiseResponder({ identity }).respond(act1).reply;
        expect(reasonOf(() => initiator.finish(reply))).toBe("handshake_failed");
      }),
      { numRuns: 15 },
    );
  });

  it("checks the certificate: wrong authority, not yet valid, expired, version ≠ 0", () => {
    expect(reasonOf(() => handshake(identity, { authority: xOnlyPublicKey(randomSecretKey()) }).finish())).toBe("certificate_invalid");
    const future = issueServerIdentity({
      authoritySecretKey: authoritySecret,
      nowSeconds: NOW + 3600,
      validitySeconds: 7200,
      backdateSeconds: 0,
    });
    expect(reasonOf(() => handshake(future).finish())).toBe("certificate_not_yet_valid");
    expect(reasonOf(() => handshake(future, { now: NOW + 3595 }).finish())).toBe("no error"); // within the 10 s leeway
    expect(reasonOf(() => handshake(identity, { now: NOW + 86_400 + 11 }).finish())).toBe("certificate_expired");
    const staticKey = ellswiftCreate();
    const digest = certificateDigest(1, NOW - 10, NOW + 3600, staticKey.xOnly);
    const v1: Certificate = { version: 1, validFrom: NOW - 10, notValidAfter: NOW + 3600, signature: bip340Sign(digest, authoritySecret) };
    expect(reasonOf(() => handshake({ staticKey, certificate: v1 }).finish())).toBe("certificate_unsupported_version");
    // A certificate signed for a different static key does not verify.
    expect(reasonOf(() => handshake({ staticKey: ellswiftCreate(), certificate: identity.certificate }).finish())).toBe(
      "certificate_invalid",
    );
  });

  it("skips certificate checks only when no authority key is configured", () => {
    const stranger = issueServerIdentity({ authoritySecretKey: randomSecretKey(), nowSeconds: NOW, validitySeconds: 60 });
    const initiator = new NoiseInitiator({ authorityPublicKey: undefined, now: () => NOW });
    const reply = new NoiseResponder({ identity: stranger }).respond(initiator.start()).reply;
    expect(initiator.finish(reply).responderStaticXOnly).toEqual(stranger.staticKey.xOnly);
  });

  it("rejects truncated, oversized and garbage acts with typed errors, and steps out of order", () => {
    const h = handshake();
    expect(reasonOf(() => new NoiseResponder({ identity }).respond(h.act1.subarray(0, 63)))).toBe("handshake_failed");
    expect(reasonOf(() => new NoiseResponder({ identity }).respond(new Uint8Array(65)))).toBe("handshake_failed");
    expect(reasonOf(() => h.initiator.finish(h.act2.subarray(0, 170)))).toBe("handshake_failed");
    const again = handshake();
    expect(reasonOf(() => again.initiator.finish(new Uint8Array(ACT2_SIZE).fill(0x5a)))).toBe("handshake_failed");
    expect(reasonOf(() => again.initiator.finish(again.act2))).toBe("handshake_failed");
    const fresh = new NoiseInitiator({ authorityPublicKey: authority });
    expect(reasonOf(() => fresh.finish(again.act2))).toBe("handshake_failed");
    const responder = new NoiseResponder({ identity });
    responder.respond(h.act1);
    expect(reasonOf(() => responder.respond(h.act1))).toBe("handshake_failed");
  });
});
