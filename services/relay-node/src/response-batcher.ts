import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SignedRelayResponseSchema } from "@gatehouse/proto/relay/v1";
import { MAX_RESPONSE_BATCH, responseBatchSigningPayload, responseEntryDigest, signPersonal } from "@gatehouse/relay";
import type { EndOfTurn } from "@gatehouse/service";
import type { NodeIdentity } from "./keys.js";

export type SignedResponseInit = MessageInitShape<typeof SignedRelayResponseSchema>;

/** A response ready to go: its canonical JSON bytes, for one request of one gateway. */
export interface ReadyResponse {
  gatewayId: string;
  replySubject: string;
  requestKey: string;
  response: Uint8Array;
}

export interface ResponseBatcherOptions {
  identity: NodeIdentity;
  publish: (subject: string, response: SignedResponseInit) => void;
  now: () => number;
  /** Where batches wait for the end of the turn (with the turn's acknowledgements). */
  turnEnd: EndOfTurn;
  maxBatch?: number;
  /** Told the size of every batch sent. */
  onBatch?: (responses: number) => void;
}

interface Entry extends ReadyResponse {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Sends a node's responses in signed batches: the responses that became ready for one gateway in
 * the same turn of the event loop (at most `maxBatch`) leave as one SignedRelayResponse under one
 * signature over their digests. Signing is the costliest step of a response and each message has
 * its own overhead; under load a turn holds many responses, so the cost per response falls as
 * load rises, while a lone response still leaves at the end of its turn.
 */
export class ResponseBatcher {
  readonly #batches = new Map<string, Entry[]>();
  readonly #maxBatch: number;
  #scheduled = false;

  constructor(private readonly options: ResponseBatcherOptions) {
    this.#maxBatch = Math.min(options.maxBatch ?? MAX_RESPONSE_BATCH, MAX_RESPONSE_BATCH);
  }

  /** Resolves once the response is published; rejects if it could not be signed or published. */
  send(response: ReadyResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      let entries = this.#batches.get(response.gatewayId);
      if (!entries) {
        entries = [];
        this.#batches.set(response.gatewayId, entries);
      }
      entries.push({ ...response, resolve, reject });
      if (entries.length >= this.#maxBatch) {
        this.#batches.delete(response.gatewayId);
        this.#publish(entries);
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        this.options.turnEnd.defer(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#batches.values()];
    this.#batches.clear();
    for (const entries of batches) this.#publish(entries);
  }

  #publish(entries: Entry[]): void {
    const first = entries[0] as Entry;
    const nodeAddress = this.options.identity.address;
    try {
      const digests = entries.map((e) => responseEntryDigest(e.requestKey, e.response));
      const payload = responseBatchSigningPayload({ gatewayId: first.gatewayId, nodeAddress }, digests);
      this.options.publish(first.replySubject, {
        gatewayId: first.gatewayId,
        nodeAddress,
        signature: signPersonal(this.options.identity.key, payload),
        signedAtUnixMs: BigInt(this.options.now()),
        responses: entries.map((e) => ({ requestKey: e.requestKey, response: e.response })),
      });
    } catch (err) {
      for (const e of entries) e.reject(err);
      return;
    }
    this.options.onBatch?.(entries.length);
    for (const e of entries) e.resolve();
  }
}
