// Feeds a million random and mutated frames to the plaintext decoder and 400,000 more to the
// encrypted transport (a failed AEAD check costs ~30 µs in Node, so a million there alone would
// blow the test budget on a shared machine): only Sv2Error may escape, and the heap stays flat.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  CipherState,
  commonMessages,
  decodeFrame,
  decodePayload,
  encodeFrame,
  encodeHeader,
  type MessageDef,
  type MessageName,
  miningMessages,
  NoiseFrameDecoder,
  NoiseFrameEncoder,
  Sv2Error,
  templateDistributionMessages,
} from "@gatehouse/sv2";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const SEED = Number(process.env.SV2_FUZZ_SEED ?? Date.now() % 0x7fffffff);
const DECODER_FRAMES = Number(process.env.SV2_FUZZ_DECODER_FRAMES ?? 1_000_000);
const TRANSPORT_FRAMES = Number(process.env.SV2_FUZZ_TRANSPORT_FRAMES ?? 400_000);

/** xorshift32: fast, seeded, reproducible. */
function prng(seed: number) {
  let x = seed || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const bytes = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  };
  return { next, below: (n: number) => next() % n, bytes };
}

const defs: readonly MessageDef[] = [...commonMessages, ...miningMessages, ...templateDistributionMessages];

/** Valid frames of every message type, as mutation seeds. */
function seedFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const def of defs) {
    for (const message of fc.sample(arbitraryMessage(def), { numRuns: 8, seed: SEED })) {
      frames.push(encodeFrame(def.name as MessageName, message as never));
    }
  }
  return frames;
}

function arbitraryMessage(def: MessageDef): fc.Arbitrary<Record<string, unknown>> {
  const byName = (name: string): fc.Arbitrary<unknown> => {
    const inner = name.match(/^(SEQ0_255|SEQ0_64K|OPTION)\[(.+)\]$/);
    if (inner)
      return inner[1] === "OPTION"
        ? fc.option(byName(inner[2] as string), { nil: undefined })
        : fc.array(byName(inner[2] as string), { maxLength: 6 });
    if (name === "U8") return fc.integer({ min: 0, max: 0xff });
    if (name === "U16") return fc.integer({ min: 0, max: 0xffff });
    if (name === "U32") return fc.integer({ min: 0, max: 0xffffffff });
    if (name === "U64") return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    if (name === "F32") return fc.float({ noNaN: true });
    if (name === "BOOL") return fc.boolean();
    if (name === "U256") return fc.uint8Array({ minLength: 32, maxLength: 32 });
    if (name === "STR0_255") return fc.string({ maxLength: 20 });
    return fc.uint8Array({ maxLength: name === "B0_32" ? 32 : 40 });
  };
  return fc.record(Object.fromEntries(Object.entries(def.fields).map(([k, c]) => [k, byName(c.name)])));
}

type Rng = ReturnType<typeof prng>;

/** One of: flipped bits, truncation, extension, a rewritten length, a random payload under a real header, pure noise. */
function mutate(rng: Rng, seeds: Uint8Array[]): Uint8Array {
  const base = seeds[rng.below(seeds.length)] as Uint8Array;
  switch (rng.below(6)) {
    case 0: {
      const out = Uint8Array.from(base);
      for (let i = 1 + rng.below(3); i > 0; i--) {
        const bit = rng.below(out.length * 8);
        out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
      }
      return out;
    }
    case 1:
      return base.subarray(0, rng.below(base.length));
    case 2: {
      const out = new Uint8Array(base.length + 1 + rng.below(16));
      out.set(base);
      out.set(rng.bytes(out.length - base.length), base.length);
      return out;
    }
    case 3: {
      const out = Uint8Array.from(base);
      const at = 6 + rng.below(Math.max(1, out.length - 6));
      if (at < out.length) out[at] = rng.next() & 0xff;
      return out;
    }
    case 4: {
      const def = defs[rng.below(defs.length)] as MessageDef;
      const payload = rng.bytes(rng.below(120));
      const frame = new Uint8Array(6 + payload.length);
      encodeHeader(
        {
          extensionType: 0,
          channelMsg: rng.below(8) !== 0 ? def.channelMsg : !def.channelMsg,
          msgType: def.msgType,
          msgLength: payload.length,
        },
        frame,
      );
      frame.set(payload, 6);
      return frame;
    }
    default:
      return rng.bytes(rng.below(64));
  }
}

/** Runs one input; counts its outcome ("ok", "incomplete" or the Sv2Error reason). */
function tally(counts: Map<string, number>, f: () => "ok" | "incomplete" | undefined): void {
  try {
    const outcome = f() ?? "ok";
    counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  } catch (err) {
    if (!(err instanceof Sv2Error)) throw new Error(`non-Sv2Error escaped (seed ${SEED}): ${String(err)}`);
    counts.set(err.reason, (counts.get(err.reason) ?? 0) + 1);
  }
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe(`fuzz (seed ${SEED})`, () => {
  it(`decodes ${DECODER_FRAMES} random and mutated plaintext frames with typed errors only, heap flat`, () => {
    const rng = prng(SEED);
    const seeds = seedFrames();
    const counts = new Map<string, number>();
    let baseline = 0;
    for (let i = 0; i < DECODER_FRAMES; i++) {
      const frame = mutate(rng, seeds);
      tally(counts, () => {
        decodeFrame(frame, 0xffff);
        return "ok";
      });
      if (i === 50_000) baseline = heapMiB();
    }
    const growth = heapMiB() - baseline;
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(DECODER_FRAMES);
    expect(counts.get("frame_decode_error")).toBeGreaterThan(DECODER_FRAMES / 10);
    expect(counts.get("ok")).toBeGreaterThan(0);
    expect(growth).toBeLessThan(16);
  }, 180_000);

  it(`feeds ${TRANSPORT_FRAMES} random, mutated and garbage-plaintext frames to the encrypted transport, heap flat`, () => {
    const rng = prng(SEED ^ 0x5bd1e995);
    const seeds = seedFrames();
    const key = rng.bytes(32);
    const counts = new Map<string, number>();
    let baseline = 0;
    // Encryption is not what is fuzzed: encrypt a pool of (often invalid) plaintexts once, each as
    // the first frame of a connection, then mutate the ciphertexts per iteration.
    const pool = Array.from({ length: 4096 }, () => {
      const plain = mutate(rng, seeds);
      const header = {
        extensionType: 0,
        channelMsg: (plain[1] ?? 0) >= 0x80,
        msgType: plain[2] ?? 0,
        msgLength: Math.max(0, plain.length - 6),
      };
      return new NoiseFrameEncoder(new CipherState(key)).encodeFrame(header, plain.subarray(6));
    });
    for (let i = 0; i < TRANSPORT_FRAMES; i++) {
      const receiver = new NoiseFrameDecoder(new CipherState(key), 0xffff);
      let wire = pool[rng.below(pool.length)] as Uint8Array;
      const mode = rng.below(4);
      if (mode === 1) {
        wire = Uint8Array.from(wire);
        const bit = rng.below(wire.length * 8);
        wire[bit >> 3] = (wire[bit >> 3] as number) ^ (1 << (bit & 7));
      } else if (mode === 2) {
        wire = wire.subarray(0, rng.below(wire.length));
      } else if (mode === 3) {
        wire = rng.bytes(22 + rng.below(60));
      }
      tally(counts, () => {
        // Arbitrary read boundaries: the stream may split anywhere.
        const cut = rng.below(wire.length + 1);
        receiver.push(wire.subarray(0, cut));
        receiver.push(wire.subarray(cut));
        const frame = receiver.next();
        if (!frame) return "incomplete";
        decodePayload(frame.header, frame.payload);
        return "ok";
      });
      if (i === 50_000) baseline = heapMiB();
    }
    const growth = heapMiB() - baseline;
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(TRANSPORT_FRAMES);
    expect(counts.get("decrypt_failed")).toBeGreaterThan(TRANSPORT_FRAMES / 10);
    expect(counts.get("ok")).toBeGreaterThan(TRANSPORT_FRAMES / 20);
    expect(counts.get("incomplete")).toBeGreaterThan(0);
    expect(growth).toBeLessThan(16);
  }, 180_000);
});
