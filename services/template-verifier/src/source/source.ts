import type { MempoolPoll } from "../mempool-view.js";

export interface SubmitOutcome {
  accepted: boolean;
  /** The node's BIP22 reason, empty when accepted. */
  rejectReason: string;
}

/** A template source adapter: produces proposals, answers the mempool view, submits found blocks. */
export interface TemplateSource {
  readonly name: string;
  readonly sourceInstanceId: string;
  /** Unix ms of the last successful exchange with the upstream (0 = never). */
  readonly lastOkMs: number;
  readonly lastTemplateId: bigint;
  start(): void;
  stop(): Promise<void>;
  pollMempool(): Promise<MempoolPoll>;
  submitBlock(block: Uint8Array): Promise<SubmitOutcome>;
}
