import { Sv2Error } from "../errors.js";
import {
  type Certificate,
  DEFAULT_CERTIFICATE_LEEWAY_SECONDS,
  decodeCertificate,
  encodeCertificate,
  SIGNATURE_NOISE_MESSAGE_SIZE,
  verifyCertificate,
} from "./certificate.js";
import type { CipherState } from "./cipher-state.js";
import { MAC_LENGTH } from "./cipher-state.js";
import { ELLSWIFT_ENCODING_SIZE, type EllSwiftKeyPair, ellswiftCreate, ellswiftDecode, v2Ecdh } from "./ellswift.js";
import { SymmetricState } from "./symmetric-state.js";

// Noise NX: -> e ; <- e, ee, s, es, SIGNATURE_NOISE_MESSAGE. Both sides are pure state machines:
// bytes in, bytes out, no I/O and no clock except the injected `now`.

export const ACT1_SIZE = ELLSWIFT_ENCODING_SIZE;
/** 64 + (64+16) + (74+16); the spec's "170" predates EllSwift. */
export const ACT2_SIZE = ELLSWIFT_ENCODING_SIZE + ELLSWIFT_ENCODING_SIZE + MAC_LENGTH + SIGNATURE_NOISE_MESSAGE_SIZE + MAC_LENGTH;

const EMPTY = new Uint8Array(0);

/** The two directions of an established connection. */
export interface TransportKeys {
  encryptor: CipherState;
  decryptor: CipherState;
  /** Final handshake hash, identical on both sides; useful for channel binding and tests. */
  handshakeHash: Uint8Array;
}

/** A server's long-lived static key and the certificate its authority signed for it. */
export interface ServerIdentity {
  staticKey: EllSwiftKeyPair;
  certificate: Certificate;
}

export interface InitiatorOptions {
  /** x-only authority key; without it the certificate is not checked (encrypted but unauthenticated). */
  authorityPublicKey: Uint8Array | undefined;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => number;
  leewaySeconds?: number;
  /** Injected only by tests that need a fixed key. */
  ephemeral?: EllSwiftKeyPair;
}

export interface InitiatorResult extends TransportKeys {
  responderStaticXOnly: Uint8Array;
  certificate: Certificate;
}

type Phase = "start" | "sent" | "done" | "failed";

function guard<T>(owner: { phase: Phase }, step: () => T): T {
  try {
    return step();
  } catch (err) {
    owner.phase = "failed";
    throw err;
  }
}

export class NoiseInitiator {
  phase: Phase = "start";
  private readonly state = new SymmetricState();
  private readonly ephemeral: EllSwiftKeyPair;

  constructor(private readonly options: InitiatorOptions) {
    this.ephemeral = options.ephemeral ?? ellswiftCreate();
  }

  /** Act 1: the 64-byte ephemeral key, raw on the wire. */
  start(): Uint8Array {
    if (this.phase !== "start") throw new Sv2Error("handshake_failed", `initiator cannot start in phase ${this.phase}`);
    this.state.mixHash(this.ephemeral.ellswift);
    this.state.mixHash(EMPTY); // EncryptAndHash(empty) with no key yet
    this.phase = "sent";
    return this.ephemeral.ellswift.slice();
  }

  /** Act 2 in (exactly 234 bytes); returns the transport keys or throws a typed error. */
  finish(message: Uint8Array): InitiatorResult {
    if (this.phase !== "sent") throw new Sv2Error("handshake_failed", `initiator cannot finish in phase ${this.phase}`);
    return guard(this, () => {
      if (message.length !== ACT2_SIZE) throw new Sv2Error("handshake_failed", `act 2 must be ${ACT2_SIZE} bytes, got ${message.length}`);
      const e = this.ephemeral;
      const responderEphemeral = message.subarray(0, 64);
      this.state.mixHash(responderEphemeral);
      this.state.mixKey(v2Ecdh(e.secretKey, e.ellswift, responderEphemeral, true));
      const responderStatic = this.state.decryptAndHash(message.subarray(64, 144), "responder static key");
      const responderStaticXOnly = ellswiftDecode(responderStatic);
      this.state.mixKey(v2Ecdh(e.secretKey, e.ellswift, responderStatic, true, responderStaticXOnly));
      const certificate = decodeCertificate(this.state.decryptAndHash(message.subarray(144, ACT2_SIZE), "certificate"));
      if (this.options.authorityPublicKey) {
        const now = this.options.now?.() ?? Math.floor(Date.now() / 1000);
        verifyCertificate(
          certificate,
          responderStaticXOnly,
          this.options.authorityPublicKey,
          now,
          this.options.leewaySeconds ?? DEFAULT_CERTIFICATE_LEEWAY_SECONDS,
        );
      }
      const [toResponder, toInitiator] = this.state.split();
      this.phase = "done";
      return { encryptor: toResponder, decryptor: toInitiator, handshakeHash: this.state.h, responderStaticXOnly, certificate };
    });
  }
}

export interface ResponderOptions {
  identity: ServerIdentity;
  /** Injected by tests, or taken from a pool of pre-generated keys to keep it off the hot path. */
  ephemeral?: EllSwiftKeyPair;
}

export interface ResponderResult extends TransportKeys {
  /** Act 2, 234 bytes, to be written raw. */
  reply: Uint8Array;
}

export class NoiseResponder {
  phase: Phase = "start";
  private readonly state = new SymmetricState();

  constructor(private readonly options: ResponderOptions) {}

  /** Act 1 in (exactly 64 bytes) → act 2 out plus the transport keys. */
  respond(message: Uint8Array): ResponderResult {
    if (this.phase !== "start") throw new Sv2Error("handshake_failed", `responder cannot respond in phase ${this.phase}`);
    return guard(this, () => {
      if (message.length !== ACT1_SIZE) throw new Sv2Error("handshake_failed", `act 1 must be ${ACT1_SIZE} bytes, got ${message.length}`);
      const initiatorEphemeral = message.slice();
      this.state.mixHash(initiatorEphemeral);
      this.state.mixHash(EMPTY);
      const initiatorX = ellswiftDecode(initiatorEphemeral);
      const e = this.options.ephemeral ?? ellswiftCreate();
      const s = this.options.identity.staticKey;
      const reply = new Uint8Array(ACT2_SIZE);
      reply.set(e.ellswift, 0);
      this.state.mixHash(e.ellswift);
      this.state.mixKey(v2Ecdh(e.secretKey, e.ellswift, initiatorEphemeral, false, initiatorX));
      reply.set(this.state.encryptAndHash(s.ellswift), 64);
      this.state.mixKey(v2Ecdh(s.secretKey, s.ellswift, initiatorEphemeral, false, initiatorX));
      reply.set(this.state.encryptAndHash(encodeCertificate(this.options.identity.certificate)), 144);
      const [toResponder, toInitiator] = this.state.split();
      this.phase = "done";
      return { reply, encryptor: toInitiator, decryptor: toResponder, handshakeHash: this.state.h };
    });
  }
}
