import type { JsonRpcRequest, JsonRpcResponse } from "@gatehouse/relay";
import type { Callback } from "../common/callback.js";
import type { Candidate } from "./aggregator.js";

/** A member's response kept for aggregation. */
export interface NodeResponseEntry extends Candidate {
  /** The response and its canonical JSON text (digested and signed); undefined if it could not be decoded. */
  decoded: { response: JsonRpcResponse; canonical: string } | undefined;
  signatureBytes: Uint8Array;
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
