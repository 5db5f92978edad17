import type { WorkflowError, WorkflowState, WorkflowType } from "./contract/index.js";

/** The wire types are the contract's (`contract/`): what the orchestrator validates and documents. */
export type {
  EvidencePackage,
  PendingWorkResponse,
  WorkEvidenceResponse,
  WorkflowError,
  WorkflowResponse,
  WorkflowState,
  WorkflowType,
  WorkItem as PendingWorkItem,
} from "./contract/index.js";

export enum ScoreSubmissionMode {
  DIRECT = "direct",
  COMMIT_REVEAL = "commit_reveal",
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
