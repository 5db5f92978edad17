// Physical floors shared by benchmarks: the least work any implementation of a path must do,
// measured in the same run as the path itself.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { type Bus, ensureStream } from "@gatehouse/bus";
import { type Throughput, throughput } from "./stats.js";

/**
 * The four AEAD operations an encrypted SV2 share needs (a 6-byte header and a 24-byte
 * SubmitSharesStandard payload, each sealed and opened with ChaCha20-Poly1305), `frames` times.
 */
export function aeadShareFrameFloor(frames: number): Promise<Throughput> {
  const keys = [randomBytes(32), randomBytes(32)];
  const parts = [randomBytes(6), randomBytes(24)];
  const nonce = Buffer.alloc(12);
  const roundTrip = (key: Buffer, n: number, plain: Buffer) => {
    nonce.writeUInt32LE(n, 4);
    const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    const body = c.update(plain);
    c.final();
    const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    d.setAuthTag(c.getAuthTag());
    d.update(body);
    d.final();
  };
  return throughput(frames, () => {
    for (let i = 0; i < frames; i++) {
      roundTrip(keys[0] as Buffer, 2 * i, parts[0] as Buffer);
      roundTrip(keys[1] as Buffer, 2 * i + 1, parts[1] as Buffer);
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
