// Physical floors shared by benchmarks: the least work any implementation of a path must do,
// measured in the same run as the path itself.
import { randomBytes } from "node:crypto";
import { type Bus, ensureStream } from "@gatehouse/bus";
import { type Aead, aead as productAead } from "@gatehouse/sv2";
import { type Throughput, throughput } from "./stats.js";

/**
 * The four AEAD operations an encrypted SV2 share needs (a 6-byte header and a 24-byte
 * SubmitSharesStandard payload, each sealed and opened with ChaCha20-Poly1305), `frames` times,
 * called directly on `aead` (by default the one libs/sv2 uses) with no framing around them.
 */
export function aeadShareFrameFloor(frames: number, aead: Aead = productAead): Promise<Throughput> {
  const keys = [randomBytes(32), randomBytes(32)];
  const parts = [randomBytes(6), randomBytes(24)];
  const sealed = [new Uint8Array(6 + 16), new Uint8Array(24 + 16)];
  const nonce = Buffer.alloc(12);
  const noAd = new Uint8Array();
  const roundTrip = (part: 0 | 1, n: number) => {
    nonce.writeUInt32LE(n, 4);
    const key = keys[part] as Buffer;
    const out = sealed[part] as Uint8Array;
    aead.seal(key, nonce, noAd, parts[part] as Buffer, out, 0);
    aead.open(key, nonce, noAd, out);
  };
  return throughput(frames, () => {
    for (let i = 0; i < frames; i++) {
      roundTrip(0, 2 * i);
      roundTrip(1, 2 * i + 1);
    }
  });
}

/**
 * Raw JetStream publish of the same bytes with a message id, awaiting each PubAck, 256 in flight,
 * into a file-backed stream made for the purpose and deleted after: this process's CPU per stored
 * message, with no encoding and no library of ours in the way.
 */
export async function jetstreamPublishFloor(bus: Bus, subjectRoot: string, data: Uint8Array, count: number): Promise<Throughput> {
  const stream = `BENCHFLOOR_${subjectRoot.toUpperCase()}`;
  const jsm = await bus.jsm();
  await ensureStream(jsm, { name: stream, subjects: [`${subjectRoot}.floor.>`], storage: "file" });
  try {
    return await throughput(count, async () => {
      const window = 256;
      for (let i = 0; i < count; i += window) {
        const batch = [];
        for (let j = i; j < Math.min(count, i + window); j++)
          batch.push(bus.js.publish(`${subjectRoot}.floor.share`, data, { msgID: `${j}` }));
        await Promise.all(batch);
      }
    });
  } finally {
    await jsm.streams.delete(stream);
  }
}
