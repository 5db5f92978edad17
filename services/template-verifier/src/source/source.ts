import type { BlockFound } from "@gatehouse/proto/mining/v1";
import type { MempoolPoll } from "../mempool-view.js";

export interface SubmitOutcome {
  accepted: boolean;
  /** The node's BIP22 reason, empty when accepted. */
  rejectReason: string;
}

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
  submitBlock(found: BlockFound): Promise<SubmitOutcome>;
}
