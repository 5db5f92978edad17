import { z } from "zod";
import { blockOf, bytes32, flag, txHash, unixMs } from "./fields.js";

/**
 * The progress keys each workflow type writes, with the ChaosChain gateway's names: the work
 * submission's transaction is `onchain_*`; a direct score is `score_*`, commit-reveal `commit_*` /
 * `reveal_*`, close epoch `close_*` (no `onchain_*` key on those two). Every key is optional: they
 * are appended as the workflow runs. The orchestrator's tests check that completed workflows carry
 * only these keys.
 */

/** Keys every workflow type can carry: the engine's bookkeeping. */
const engineKeys = {
  _stall_count: z.int().optional().describe("Times the sweeper resumed the workflow after it stalled"),
  _last_error: z
    .object({ code: z.string(), message: z.string() })
    .optional()
    .describe("The last retried error; dropped when the step succeeds"),
  _awaiting_since: unixMs("start of the current confirmation wait; dropped when the step changes").optional(),
};

const record = z.record(z.string(), z.number());

export const WorkSubmissionProgress = z.object({
  dkg_thread_root: bytes32().optional().describe("Thread root (computed from dkg_evidence, or the legacy body's)"),
  dkg_evidence_root: bytes32().optional().describe("Evidence root"),
  dkg_weights: record.optional().describe("Contribution weight per author (betweenness, sums to 1)"),
  dkg_basis_points: record.optional().describe("dkg_weights as basis points summing to 10000"),
  dkg_version: z.string().optional().describe("DKG algorithm version used"),
  arweave_tx_id: z.string().optional().describe("Evidence id in the evidence store"),
  evidence_uri: z.string().optional().describe("cas://<id> or ar://<txid>"),
  arweave_confirmed: flag("The evidence is confirmed").optional(),
  arweave_confirmed_at: unixMs("evidence confirmation").optional(),
  onchain_tx_hash: txHash("StudioProxy.submitWork / submitWorkMultiAgent").optional(),
  onchain_confirmed: flag("submitWork is confirmed").optional(),
  onchain_block: blockOf("submitWork").optional(),
  onchain_confirmed_at: unixMs("submitWork confirmation").optional(),
  register_tx_hash: txHash("RewardsDistributor.registerWork").optional(),
  register_confirmed: flag("registerWork is confirmed (or the work was registered already)").optional(),
  register_confirmed_at: unixMs("registerWork confirmation").optional(),
  ...engineKeys,
});

export const ScoreSubmissionProgress = z.object({
  score_tx_hash: txHash("StudioProxy.submitScoreVectorForWorker (direct mode)").optional(),
  score_confirmed: flag("The direct score is confirmed").optional(),
  score_block: blockOf("the direct score").optional(),
  score_confirmed_at: unixMs("direct score confirmation").optional(),
  commit_hash: bytes32().optional().describe("keccak256(scoreVector ‖ salt ‖ dataHash) sent by commitScore"),
  commit_deadline: z.int().optional().describe("The work's commit deadline (Unix seconds) read from the studio"),
  commit_tx_hash: txHash("StudioProxy.commitScore").optional(),
  commit_confirmed: flag("The commitment is confirmed").optional(),
  commit_block: blockOf("the commitment").optional(),
  commit_confirmed_at: unixMs("commitment confirmation").optional(),
  reveal_tx_hash: txHash("StudioProxy.revealScore").optional(),
  reveal_confirmed: flag("The reveal is confirmed").optional(),
  reveal_block: blockOf("the reveal").optional(),
  reveal_confirmed_at: unixMs("reveal confirmation").optional(),
  register_validator_tx_hash: txHash("RewardsDistributor.registerValidator").optional(),
  register_validator_confirmed: flag("The validator is registered").optional(),
  register_validator_confirmed_at: unixMs("validator registration").optional(),
  ...engineKeys,
});

export const CloseEpochProgress = z.object({
  preconditions_checked: flag("Owner, registered work and validators checked").optional(),
  preconditions_checked_at: unixMs("precondition check").optional(),
  epoch_work_count: z.int().optional().describe("Work items registered for the epoch"),
  close_tx_hash: txHash("RewardsDistributor.closeEpoch (another's when already_closed)").optional(),
  close_confirmed: flag("closeEpoch is confirmed").optional(),
  close_block: blockOf("closeEpoch").optional(),
  close_confirmed_at: unixMs("closeEpoch confirmation").optional(),
  already_closed: flag("The epoch was closed by another transaction; nothing was sent").optional(),
  ...engineKeys,
});

/** The progress schema of each workflow type. */
export const PROGRESS = {
  WorkSubmission: WorkSubmissionProgress,
  ScoreSubmission: ScoreSubmissionProgress,
  CloseEpoch: CloseEpochProgress,
} as const;
