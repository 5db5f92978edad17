import type { SignedRelayResponse } from "@gatehouse/proto/relay/v1";
import { recoverPersonalSigner, responseBatchSigningPayload, responseEntryDigest } from "@gatehouse/relay";

/**
 * A member's signed batch of responses as received. Its signature is checked at most once, when
 * the first of its responses is one vote from deciding a quorum (see `aggregate`), and the verdict
 * then holds for every response in it: one recovery per batch, and none for batches whose responses
 * never matter.
 */
export class SignedBatch {
  #verdict: boolean | undefined;

  constructor(
    private readonly gatewayId: string,
    /** The member (lower-case address) the batch claims to come from. */
    readonly node: string,
    private readonly message: SignedRelayResponse,
  ) {}

  /** Whether `node` signed exactly these responses, in this order, for this gateway. */
  get signed(): boolean {
    this.#verdict ??= this.#check();
    return this.#verdict;
  }

  #check(): boolean {
    const digests = this.message.responses.map((r) => responseEntryDigest(r.requestKey, r.response));
    try {
      const payload = responseBatchSigningPayload({ gatewayId: this.gatewayId, nodeAddress: this.node }, digests);
      return recoverPersonalSigner(payload, this.message.signature) === this.node;
    } catch {
      return false; // An unusable signature is as bad as a wrong one.
    }
  }
}
