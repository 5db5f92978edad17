import type { BlockFound } from "@gatehouse/proto/mining/v1";
import type { MempoolPoll } from "../mempool-view.js";
import type { SubmitOutcome } from "./outcome.js";

/** A template source adapter: produces proposals, submits found blocks, and may answer the mempool view. */
export interface TemplateSource {
  readonly name: string;
  readonly sourceInstanceId: string;
  /** Unix ms of the last successful exchange with the upstream (0 = never). */
  readonly lastOkMs: number;
  start(): void;
  stop(): Promise<void>;
  /** Absent when the protocol has no mempool (the SV2 Template Distribution Protocol). */
  pollMempool?(): Promise<MempoolPoll>;
  /**
   * Submits a found block and confirms its place in the chain. `assemble` gives the whole block;
   * a source whose protocol takes only the header fields and coinbase (SubmitSolution) never calls it.
   * Throws when the upstream cannot be reached (UpstreamUnavailableError, or the transport's error; the caller retries).
   */
  submitBlock(found: BlockFound, assemble: () => Promise<Uint8Array>): Promise<SubmitOutcome>;
}

/** A proposal that could not be published (the bus refused it); the template is fetched and published again. */
export class ProposalPublishError extends Error {
  override readonly name = "ProposalPublishError";
  constructor(override readonly cause: Error) {
    super(`proposal not published: ${cause.message}`);
  }
}

/** The upstream cannot be reached right now (no connection to submit through); the caller retries. */
export class UpstreamUnavailableError extends Error {
  override readonly name = "UpstreamUnavailableError";
}
