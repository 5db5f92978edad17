export type WorkflowType = "WorkSubmission" | "ScoreSubmission" | "CloseEpoch";
export type WorkflowState = "CREATED" | "RUNNING" | "STALLED" | "COMPLETED" | "FAILED";

export enum ScoreSubmissionMode {
  DIRECT = "direct",
  COMMIT_REVEAL = "commit_reveal",
}

export interface WorkflowError {
  step: string;
  message: string;
  code: string;
}

/** A workflow as the gateway's JSON has it (snake_case). */
export interface WorkflowResponse {
  id: string;
  type: WorkflowType;
  state: WorkflowState;
  step: string;
  created_at: number;
  updated_at: number;
  progress: Record<string, unknown>;
  error?: WorkflowError;
}

/** A workflow as the ChaosChain client maps it (camelCase). `rawProgress` keeps every key. */
export interface WorkflowStatus {
  workflowId: string;
  workflowType: WorkflowType;
  state: WorkflowState;
  step: string;
  createdAt: number;
  updatedAt: number;
  progress: {
    arweaveTxId?: string;
    arweaveConfirmed?: boolean;
    onchainTxHash?: string;
    onchainConfirmed?: boolean;
    onchainBlock?: number;
    scoreTxHash?: string;
    commitTxHash?: string;
    revealTxHash?: string;
  };
  rawProgress: Record<string, unknown>;
  error?: WorkflowError;
}

export interface EvidencePackage {
  arweave_tx_id: string;
  author: string;
  timestamp: number;
  parent_ids: string[];
  payload_hash: string;
  artifact_ids: unknown[];
  signature: string;
  [extra: string]: unknown;
}

/** One item of `GET /v1/studio/:address/work` (the ChaosChain SDK's PendingWorkItem). */
export interface PendingWorkItem {
  work_id: string;
  data_hash: string;
  agent_id: number;
  worker_address: string;
  studio_address: string;
  epoch: number | null;
  submitted_at: string;
  evidence_anchor: string | null;
  derivation_root: string | null;
  studio_policy_version: string;
  work_mandate_id: string;
  task_type: string;
}

/** `GET /v1/studio/:address/work` in the gateway's `{version, data}` envelope. */
export interface PendingWorkResponse {
  version: string;
  data: { studio: string; work: PendingWorkItem[]; total: number; limit: number; offset: number };
}

/** `GET /v1/work/:hash/evidence` in the gateway's `{version, data}` envelope. */
export interface WorkEvidenceResponse {
  version: string;
  data: { work_id: string; thread_root: string | null; dkg_evidence: EvidencePackage[] };
}

export interface GatewayClientConfig {
  /** Alias: gatewayUrl. */
  baseUrl?: string;
  gatewayUrl?: string;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** waitForCompletion default. Default 600 000 ms. */
  maxPollTime?: number;
  /** waitForCompletion default. Default 2000 ms. */
  pollInterval?: number;
  headers?: Record<string, string>;
  auth?: { apiKey?: string };
}

export interface RequestOptions {
  /** Sent as Idempotency-Key: a retried submission returns the first workflow. */
  idempotencyKey?: string;
}

export interface WaitOptions {
  maxWait?: number;
  pollInterval?: number;
  onProgress?: (status: WorkflowStatus) => void;
}
