import type { EvidencePackage } from "../dkg/index.js";

export const WORKFLOW_STATES = ["CREATED", "RUNNING", "STALLED", "COMPLETED", "FAILED"] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const WORKFLOW_TYPES = ["WorkSubmission", "ScoreSubmission", "CloseEpoch"] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export const TERMINAL_STATES: ReadonlySet<WorkflowState> = new Set(["COMPLETED", "FAILED"]);

export interface WorkSubmissionInput {
  studio_address: string;
  epoch: number;
  agent_address: string;
  data_hash: string;
  /** Current body: the gateway computes the roots. */
  dkg_evidence?: EvidencePackage[];
  /** Legacy body (the published SDK clients): roots given by the caller. */
  thread_root?: string;
  evidence_root?: string;
  /** Base64; dropped from the stored input once the evidence store confirmed it (its URI is in progress). */
  evidence_content?: string;
  signer_address: string;
}

export type ScoreMode = "direct" | "commit_reveal";

export interface ScoreSubmissionInput {
  studio_address: string;
  epoch: number;
  validator_address: string;
  data_hash: string;
  scores: number[];
  salt: string;
  signer_address: string;
  worker_address?: string;
  mode: ScoreMode;
  admin_signer_address?: string;
}

export interface CloseEpochInput {
  studio_address: string;
  epoch: number;
  signer_address: string;
}

export type WorkflowInput = WorkSubmissionInput | ScoreSubmissionInput | CloseEpochInput;

export type Progress = Record<string, unknown>;

/** The error recorded on a STALLED or FAILED workflow. */
export interface WorkflowError {
  step: string;
  message: string;
  code: string;
  recoverable: boolean;
}

export interface WorkflowRecord {
  id: string;
  type: WorkflowType;
  state: WorkflowState;
  step: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  input: WorkflowInput;
  progress: Progress;
  error?: WorkflowError;
  signer: string;
  studio: string;
  leaseToken: number;
}

/**
 * Input fields that can be megabytes and are needed only until the evidence store holds them:
 * dropped then, and on every finished workflow, so a finished record stays small. The DKG packages
 * stay: `GET /v1/work/:hash/evidence` serves them for the life of the record, and validation bounds
 * them (at most 5,000 packages).
 */
export const BULKY_INPUT_FIELDS = ["evidence_content"] as const;

/** The input without its bulky fields; undefined when it has none (nothing to rewrite). */
export function compactInput(input: WorkflowInput): WorkflowInput | undefined {
  const record = input as unknown as Record<string, unknown>;
  if (!BULKY_INPUT_FIELDS.some((field) => field in record)) return undefined;
  const compact = { ...record };
  for (const field of BULKY_INPUT_FIELDS) delete compact[field];
  return compact as unknown as WorkflowInput;
}

export type ErrorCategory = "TRANSIENT" | "RECOVERABLE" | "PERMANENT" | "UNKNOWN";

/** What a step asks the engine to do next. */
export type StepResult =
  /**
   * Checkpoint `patch` (and drop `remove` keys) and move on; `null` completes the workflow.
   * `compactInput` drops the input's bulky fields (BULKY_INPUT_FIELDS) once nothing needs them.
   */
  | { kind: "next"; step: string | null; patch?: Progress; remove?: string[]; compactInput?: boolean }
  /** Same step again after `delayMs` (polling a confirmation, a deadline), attempts unchanged. */
  | { kind: "wait"; delayMs: number; patch?: Progress }
  /** A failed attempt: backoff, then STALLED (or FAILED if permanent) once attempts run out. */
  | { kind: "retry"; code: string; message: string; category: ErrorCategory }
  | { kind: "stall"; code: string; message: string }
  | { kind: "fail"; code: string; message: string };

export const initialStep = (type: WorkflowType, input: WorkflowInput): string => {
  if (type === "WorkSubmission") return "COMPUTE_DKG";
  if (type === "CloseEpoch") return "CHECK_PRECONDITIONS";
  return (input as ScoreSubmissionInput).mode === "commit_reveal" ? "COMMIT_SCORE" : "SUBMIT_SCORE_DIRECT";
};
