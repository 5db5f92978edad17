import { z } from "zod";
import { EvidencePackage } from "./evidence.js";
import { address, bytes32 } from "./fields.js";

/**
 * What the orchestrator answers: the workflow routes bare JSON (the ChaosChain gateway's
 * WorkflowResponse, ms timestamps, `error` only when set), the `/v1` routes the
 * `{version: "1.0", data}` or `{version: "1.0", error: {code, message}}` envelope.
 */

export const WORKFLOW_TYPES = ["WorkSubmission", "ScoreSubmission", "CloseEpoch"] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];
export const WORKFLOW_STATES = ["CREATED", "RUNNING", "STALLED", "COMPLETED", "FAILED"] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const WorkflowError = z
  .object({ step: z.string(), message: z.string(), code: z.string() })
  .describe("Present on STALLED (code STALLED) and FAILED workflows; cleared on recovery");
export type WorkflowError = z.infer<typeof WorkflowError>;

export const Workflow = z.object({
  id: z.uuid(),
  type: z.enum(WORKFLOW_TYPES),
  state: z.enum(WORKFLOW_STATES),
  step: z.string(),
  created_at: z.int().describe("Unix ms"),
  updated_at: z.int().describe("Unix ms"),
  progress: z
    .record(z.string(), z.unknown())
    .describe("Checkpoints, appended as the workflow runs; the keys depend on its type (WorkSubmissionProgress, …)"),
  error: WorkflowError.optional(),
});
export type WorkflowResponse = z.infer<typeof Workflow>;

export const WorkflowList = z.object({ workflows: z.array(Workflow), count: z.int() });
export type WorkflowList = z.infer<typeof WorkflowList>;

export const Health = z.object({ status: z.literal("ok"), timestamp: z.int().describe("Unix ms") });
export type Health = z.infer<typeof Health>;

/** The workflow routes' error body. */
export const ErrorBody = z.object({
  error: z.string(),
  code: z.string().optional().describe("SHUTTING_DOWN, IDEMPOTENCY_KEY_REUSED, NOT_STALLED"),
  message: z.string().optional(),
  workflow_id: z.uuid().optional().describe("On IDEMPOTENCY_KEY_REUSED: the workflow the key belongs to"),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const API_VERSION = "1.0";

/** The `/v1` routes' error body. */
export const EnvelopeError = z.object({
  version: z.literal(API_VERSION),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type EnvelopeError = z.infer<typeof EnvelopeError>;

/** A `/v1` success body around `data`. */
export const envelope = <T extends z.ZodType>(data: T) => z.object({ version: z.literal(API_VERSION), data });

/** The `status` query of `GET /v1/studio/:address/work`: no completed score yet, scored, or its epoch closed. */
export const WORK_STATUSES = ["pending", "scored", "finalized"] as const;
export type WorkStatus = (typeof WORK_STATUSES)[number];

/** One item of `GET /v1/studio/:address/work` (the ChaosChain SDK's PendingWorkItem). */
export const WorkItem = z.object({
  work_id: bytes32(),
  data_hash: bytes32(),
  agent_id: z.int().describe("ERC-8004 agent id: 0 (no identity registry)"),
  worker_address: address(),
  studio_address: address(),
  epoch: z.int().nullable(),
  submitted_at: z.iso.datetime(),
  evidence_anchor: z.string().nullable().describe("The evidence id (progress.arweave_tx_id)"),
  derivation_root: z.string().nullable().describe("progress.dkg_thread_root"),
  // The ChaosChain gateway's defaults: submissions here never carry their own.
  studio_policy_version: z.literal("engineering-studio-default-v1"),
  work_mandate_id: z.literal("generic-task"),
  task_type: z.literal("general"),
});
export type WorkItem = z.infer<typeof WorkItem>;

export const StudioWork = z.object({
  studio: address(),
  work: z.array(WorkItem),
  total: z.int().describe("Matching items before paging"),
  limit: z.int(),
  offset: z.int(),
});
export type StudioWork = z.infer<typeof StudioWork>;

export const WorkEvidence = z.object({
  work_id: bytes32(),
  dkg_evidence: z.array(EvidencePackage).describe("Empty for a legacy-body submission"),
  thread_root: bytes32().nullable(),
});
export type WorkEvidence = z.infer<typeof WorkEvidence>;

export const PendingWorkResponse = envelope(StudioWork);
export type PendingWorkResponse = z.infer<typeof PendingWorkResponse>;
export const WorkEvidenceResponse = envelope(WorkEvidence);
export type WorkEvidenceResponse = z.infer<typeof WorkEvidenceResponse>;
