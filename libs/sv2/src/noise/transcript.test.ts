// Re-derives a whole NX handshake step by step from SV2 §4.4–4.5 (the Noise NX handshake) with raw node:crypto and the
// BIP324-verified x-only ECDH, and checks the state machines produce exactly those bytes and keys.
// Without a published fixed-key transcript this is what catches mistakes both sides would share
// (a missing MixHash(empty), "ours first" ECDH order, swapped split keys): they still agree with
// each other but not with this derivation.
import { createCipheriv, createDecipheriv, createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { encodeCertificate } from "./certificate.js";
import { ellswiftCreate, ellswiftEcdhXonly, randomSecretKey } from "./ellswift.js";
import { NoiseInitiator, NoiseResponder } from "./handshake.js";
import { issueServerIdentity } from "./server-identity.js";

const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const hmac = (key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const hkdf = (ck: Uint8Array, ikm: Uint8Array) => {
  const t = hmac(ck, ikm);
  const o1 = hmac(t, Buffer.of(1));
  return [o1, hmac(t, o1, Buffer.of(2))] as const;
};
const nonce = (n: number) => Buffer.concat([Buffer.alloc(4), Buffer.from([n, 0, 0, 0, 0, 0, 0, 0])]);
const seal = (key: Uint8Array, n: number, ad: Uint8Array, plain: Uint8Array) => {
  const c = createCipheriv("chacha20-poly1305", key, nonce(n), { authTagLength: 16 });
  c.setAAD(ad, { plaintextLength: plain.length });
  const body = c.update(plain);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
};
const open = (key: Uint8Array, n: number, sealed: Uint8Array) => {
  const d = createDecipheriv("chacha20-poly1305", key, nonce(n), { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
};
const TAG = sha(Buffer.from("bip324_ellswift_xonly_ecdh"));
/** BIP324 v2_ecdh written with the roles explicit: initiator encoding first, always. */
const ecdh = (initiator64: Uint8Array, responder64: Uint8Array, x: Uint8Array) => sha(TAG, TAG, initiator64, responder64, x);

describe("handshake transcript follows SV2 §4.5", () => {
  it("act 2, the handshake hash and the split keys match a step-by-step derivation", () => {
    const now = 1_790_000_000;
    const authoritySecretKey = randomSecretKey();
    const identity = issueServerIdentity({ authoritySecretKey, nowSeconds: now, validitySeconds: 3600 });
    const ei = ellswiftCreate();
    const er = ellswiftCreate();
    const s = identity.staticKey;
    const cert = encodeCertificate(identity.certificate);

    let ck: Uint8Array = sha(Buffer.from("Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256"));
    let h: Uint8Array = sha(ck);
    h = sha(h, ei.ellswift);
    h = sha(h, new Uint8Array(0)); // EncryptAndHash(empty) before any key: MixHash of nothing
    h = sha(h, er.ellswift);
    let k: Uint8Array;
    [ck, k] = hkdf(ck, ecdh(ei.ellswift, er.ellswift, ellswiftEcdhXonly(ei.ellswift, er.secretKey)));
    const c1 = seal(k, 0, h, s.ellswift);
    h = sha(h, c1);
    [ck, k] = hkdf(ck, ecdh(ei.ellswift, s.ellswift, ellswiftEcdhXonly(ei.ellswift, s.secretKey)));
    const c2 = seal(k, 0, h, cert);
    h = sha(h, c2);
    const [k1, k2] = hkdf(ck, new Uint8Array(0));

    const initiator = new NoiseInitiator({ authorityPublicKey: undefined, ephemeral: ei });
    const responder = new NoiseResponder({ identity, ephemeral: er }).respond(initiator.start());
    expect(responder.reply).toHaveLength(234);
    expect(Buffer.from(responder.reply)).toEqual(Buffer.concat([er.ellswift, c1, c2]));
    expect(Buffer.from(responder.handshakeHash)).toEqual(h);

    const done = initiator.finish(responder.reply);
    expect(Buffer.from(done.handshakeHash)).toEqual(h);
    // k1 carries initiator → responder, k2 responder → initiator; both start at nonce 0.
    const up = done.encryptor.encryptWithAd(new Uint8Array(0), Buffer.from("to the pool"));
    expect(open(k1, 0, up).toString()).toBe("to the pool");
    const down = responder.encryptor.encryptWithAd(new Uint8Array(0), Buffer.from("to the miner"));
    expect(open(k2, 0, down).toString()).toBe("to the miner");
  });
});
