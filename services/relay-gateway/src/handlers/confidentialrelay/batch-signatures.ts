import { createHash } from "node:crypto";
import type { SignedRelayResponse } from "@gatehouse/proto/relay/v1";
import { MAX_RESPONSE_BATCH, recoverPersonalSigner, responseBatchSigningPayload, responseEntryDigest } from "@gatehouse/relay";

const DIGEST_BYTES = 32;

/**
 * Decides whether a member signed a response: the response's own entry digest must sit at its
 * index in the batch it claims, and the member's signature must cover that batch. A node signs
 * many responses at once, so the verdict on each batch is kept (at most `capacity`, oldest
 * forgotten first) and one signature recovery serves every response of the batch.
 */
export class BatchSignatures {
  readonly #verdicts = new Map<string, boolean>();

  constructor(
    private readonly gatewayId: string,
    private readonly capacity: number,
  ) {}

  /** Whether `node` (a member's lower-case address) signed `signed`. */
  signedBy(node: string, signed: SignedRelayResponse): boolean {
    const digests = signed.batchEntryDigests;
    if (digests.length === 0 || digests.length > MAX_RESPONSE_BATCH || signed.batchIndex >= digests.length) return false;
    if (digests.some((d) => d.length !== DIGEST_BYTES)) return false;
    const own = responseEntryDigest(signed.requestKey, signed.response);
    if (!Buffer.from(own).equals(digests[signed.batchIndex] as Uint8Array)) return false;
    const payload = responseBatchSigningPayload({ gatewayId: this.gatewayId, nodeAddress: node }, digests);
    const key = createHash("sha256").update(payload).update(signed.signature).digest("base64");
    const known = this.#verdicts.get(key);
    if (known !== undefined) return known;
    let verdict: boolean;
    try {
      verdict = recoverPersonalSigner(payload, signed.signature) === node;
    } catch {
      verdict = false; // An unusable signature is as bad as a wrong one.
    }
    if (this.#verdicts.size >= this.capacity) this.#verdicts.delete(this.#verdicts.keys().next().value as string);
    this.#verdicts.set(key, verdict);
    return verdict;
  }
}
