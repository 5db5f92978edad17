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

/** One request awaiting quorum; `completed` guarantees a single answer whatever path finishes it. */
export class ActiveRequest {
  readonly responses = new Map<string, NodeResponseEntry>();
  readonly sendFailures = new Set<string>();
  completed = false;

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

  /** Members that may still answer: neither answered nor failed to receive the request. */
  outstanding(members: number): number {
    let failedWithoutAnswer = 0;
    for (const node of this.sendFailures) if (!this.responses.has(node)) failedWithoutAnswer += 1;
    return members - this.responses.size - failedWithoutAnswer;
  }
}
