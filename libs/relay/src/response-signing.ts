import { createHash } from "node:crypto";

/** Domain tag of the response signing payload, so a node signature is never valid for anything else. */
export const RESPONSE_SIGNING_DOMAIN = "gatehouse.relay.response-batch.v1";

/** Who signed a batch, for which gateway. */
export interface BatchBinding {
  gatewayId: string;
  nodeAddress: string;
}

function u64be(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function lengthPrefixed(text: string): Buffer[] {
  const bytes = Buffer.from(text, "utf8");
  return [u64be(bytes.length), bytes];
}

/**
 * SHA-256 of one response in a batch: u64be(len key) ‖ request key ‖ the response bytes as sent.
 * The request key binds the answer to its request, so it cannot be replayed into another one.
 */
export function responseEntryDigest(requestKey: string, response: Uint8Array): Uint8Array {
  const hash = createHash("sha256");
  for (const part of lengthPrefixed(requestKey)) hash.update(part);
  return hash.update(response).digest();
}

/**
 * The bytes a node signs (EIP-191) for a batch of its responses to one gateway:
 * domain ‖ gateway id ‖ node address (each u64be-length-prefixed) ‖ u64be(count) ‖ the entry
 * digests in order. Bound to the gateway and the signer, so a signed answer cannot be sent to
 * another gateway or claimed by another node; one signature covers every response in the batch.
 */
export function responseBatchSigningPayload(binding: BatchBinding, entryDigests: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat([
    ...lengthPrefixed(RESPONSE_SIGNING_DOMAIN),
    ...lengthPrefixed(binding.gatewayId),
    ...lengthPrefixed(binding.nodeAddress),
    u64be(entryDigests.length),
    ...entryDigests,
  ]);
}
