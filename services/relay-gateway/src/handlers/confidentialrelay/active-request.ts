import type { JsonRpcRequest, JsonRpcResponse } from "@gatehouse/relay";
import type { Callback } from "../common/callback.js";
import type { Candidate } from "./aggregator.js";
import type { SignedBatch } from "./signed-batch.js";

/** A member's response kept for aggregation. */
export interface NodeResponseEntry extends Candidate {
  /** The decoded response; undefined if it could not be decoded. */
  response: JsonRpcResponse | undefined;
  /** The signed batch it came in. */
  batch: SignedBatch;
}

/** A response decoded and digested. */
export interface Decoded {
  response: JsonRpcResponse;
  digest: string;
}

/** One request awaiting quorum; `completed` guarantees a single answer whatever path finishes it. */
export class ActiveRequest {
  readonly responses = new Map<string, NodeResponseEntry>();
  readonly sendFailures = new Set<string>();
  completed = false;
  /** Response bytes already decoded: honest members send byte-identical responses, decoded once. */
  readonly #decoded: Array<{ bytes: Uint8Array; decoded: Decoded }> = [];

  constructor(
    readonly key: string,
    readonly request: JsonRpcRequest,
    readonly sender: string,
    readonly createdAt: number,
    readonly callback: Callback,
  ) {}

  /** Records a member's first response; false if that member already answered (the first one stands). */
  addResponse(node: string, entry: NodeResponseEntry): boolean {
    if (this.responses.has(node)) return false;
    this.responses.set(node, entry);
    return true;
  }

  /** The decoding of `bytes` if a response with exactly these bytes was decoded before, else `decode`'s (kept when it succeeds). */
  decode(bytes: Uint8Array, decode: (bytes: Uint8Array) => Decoded): Decoded {
    const known = this.#decoded.find((d) => Buffer.from(d.bytes).equals(bytes));
    if (known) return known.decoded;
    const decoded = decode(bytes);
    this.#decoded.push({ bytes, decoded });
    return decoded;
  }

  /** Members that may still answer: neither answered nor failed to receive the request. */
  outstanding(members: number): number {
    let failedWithoutAnswer = 0;
    for (const node of this.sendFailures) if (!this.responses.has(node)) failedWithoutAnswer += 1;
    return members - this.responses.size - failedWithoutAnswer;
  }
}
