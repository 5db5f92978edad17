import { createHash } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { GatewayReason, type ShareAcceptedSchema, Sv2Response, ValidationLevel } from "@gatehouse/proto/mining/v1";
import { eventIdOf, shareIdOf } from "@gatehouse/shares";

/**
 * The channel difficulty of example shares: 2^-32, so nearly every header meets it and tests
 * can make thousands of valid shares without mining.
 */
export const EXAMPLE_DIFFICULTY = 2 ** -32;

export type ExampleShare = MessageInitShape<typeof ShareAcceptedSchema> & { shareId: string; eventId: string; workerId: string };

function displayHex(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

function header(version: number, prevHash: string, merkleRoot: string, ntime: number, nbits: number, nonce: number): Buffer {
  const bytes = Buffer.alloc(80);
  bytes.writeUInt32LE(version, 0);
  Buffer.from(prevHash, "hex").reverse().copy(bytes, 4);
  Buffer.from(merkleRoot, "hex").reverse().copy(bytes, 36);
  bytes.writeUInt32LE(ntime, 68);
  bytes.writeUInt32LE(nbits, 72);
  bytes.writeUInt32LE(nonce, 76);
  return bytes;
}

/** Whether the header's double SHA-256 meets EXAMPLE_DIFFICULTY (target 0xffff·2^240). */
function meetsExampleDifficulty(bytes: Buffer): boolean {
  const hash = createHash("sha256").update(createHash("sha256").update(bytes).digest()).digest();
  return !(hash[31] === 0xff && hash[30] === 0xff);
}

/**
 * A well-formed accepted share for tests and benchmarks: a real header whose hash meets
 * EXAMPLE_DIFFICULTY, with share_id and event_id derived as the edge derives them. Distinct `n`
 * give distinct shares.
 */
export function exampleShare(n: number, options: { workerId?: string; run?: string } = {}): ExampleShare {
  const workerId = options.workerId ?? `rig-${n % 16}.worker`;
  const version = 0x20000000;
  const prevHash = displayHex(`prev:${options.run ?? ""}`);
  const merkleRoot = displayHex(`merkle:${options.run ?? ""}:${n}`);
  const ntime = 1_790_000_000;
  const nbits = 0x1d00ffff;
  let nonce = n >>> 0;
  let bytes = header(version, prevHash, merkleRoot, ntime, nbits, nonce);
  while (!meetsExampleDifficulty(bytes)) {
    nonce = (nonce + 1) >>> 0;
    bytes = header(version, prevHash, merkleRoot, ntime, nbits, nonce);
  }
  const shareId = shareIdOf(bytes);
  return {
    shareId,
    eventId: eventIdOf(shareId, workerId, "full"),
    channelId: 1 + (n % 8),
    jobId: 7,
    workerId,
    validationLevel: ValidationLevel.full,
    sv2Response: Sv2Response.success,
    reasonCode: GatewayReason.GATEWAY_REASON_UNSPECIFIED,
    feeTier: "mid",
    difficultyTarget: EXAMPLE_DIFFICULTY,
    timestampMs: BigInt(Date.now()),
    gatewayInstanceId: "edge-example",
    sequenceNumber: n >>> 0,
    templateId: 1n,
    blockHeight: 900_000,
    header: bytes,
    version,
    prevHash,
    merkleRoot,
    ntime,
    nbits,
    nonce,
  };
}
