import type { EvidencePackage } from "../dkg/index.js";
import type { CloseEpochInput, ScoreSubmissionInput, WorkflowRecord, WorkSubmissionInput } from "../engine/types.js";

/**
 * The read views of submitted work behind `GET /v1/studio/:address/work` and
 * `GET /v1/work/:hash/evidence`, as the ChaosChain gateway derives them from its workflow
 * records (`packages/gateway/src/services/work-data-reader.ts`): pure functions of the records.
 */

export type WorkStatus = "pending" | "scored" | "finalized";
export const WORK_STATUSES: readonly WorkStatus[] = ["pending", "scored", "finalized"];

/** Fields the gateway fills with these defaults when a submission does not carry them. */
const DEFAULT_POLICY_VERSION = "engineering-studio-default-v1";
const DEFAULT_MANDATE = "generic-task";
const DEFAULT_TASK_TYPE = "general";

export interface WorkItem {
  work_id: string;
  data_hash: string;
  /** ERC-8004 agent id; 0 as the gateway answers without an identity registry. */
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

export interface StudioWork {
  studio: string;
  work: WorkItem[];
  total: number;
  limit: number;
  offset: number;
}

export interface WorkEvidence {
  work_id: string;
  dkg_evidence: EvidencePackage[];
  thread_root: string | null;
}

const lower = (s: string) => s.toLowerCase();

function workItem(wf: WorkflowRecord): WorkItem {
  const input = wf.input as WorkSubmissionInput;
  return {
    work_id: input.data_hash,
    data_hash: input.data_hash,
    agent_id: 0,
    worker_address: input.agent_address,
    studio_address: input.studio_address,
    epoch: input.epoch ?? null,
    submitted_at: new Date(wf.createdAt).toISOString(),
    evidence_anchor: (wf.progress.arweave_tx_id as string | undefined) ?? null,
    derivation_root: (wf.progress.dkg_thread_root as string | undefined) ?? null,
    studio_policy_version: DEFAULT_POLICY_VERSION,
    work_mandate_id: DEFAULT_MANDATE,
    task_type: DEFAULT_TASK_TYPE,
  };
}

/**
 * A studio's completed work by status: `pending` (no completed score, epoch open), `scored`
 * (a completed score, epoch open) or `finalized` (its epoch closed), oldest first, paged.
 * `records` are the studio's workflows of every type.
 */
export function studioWork(
  studio: string,
  records: readonly WorkflowRecord[],
  status: WorkStatus,
  page: { limit: number; offset: number },
): StudioWork {
  const completed = records.filter((wf) => wf.state === "COMPLETED");
  const scored = new Set(
    completed.filter((wf) => wf.type === "ScoreSubmission").map((wf) => lower((wf.input as ScoreSubmissionInput).data_hash)),
  );
  const closed = new Set(completed.filter((wf) => wf.type === "CloseEpoch").map((wf) => (wf.input as CloseEpochInput).epoch));
  const statusOf = (input: WorkSubmissionInput): WorkStatus =>
    closed.has(input.epoch) ? "finalized" : scored.has(lower(input.data_hash)) ? "scored" : "pending";
  const matching = completed
    .filter((wf) => wf.type === "WorkSubmission" && statusOf(wf.input as WorkSubmissionInput) === status)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return {
    studio,
    work: matching.slice(page.offset, page.offset + page.limit).map(workItem),
    total: matching.length,
    limit: page.limit,
    offset: page.offset,
  };
}

/** The evidence graph a work submission carried, and the thread root computed from it. */
export function workEvidence(wf: WorkflowRecord): WorkEvidence {
  const input = wf.input as WorkSubmissionInput;
  return {
    work_id: input.data_hash,
    dkg_evidence: input.dkg_evidence ?? [],
    thread_root: (wf.progress.dkg_thread_root as string | undefined) ?? null,
  };
}

/** `limit` 1..100 (default 20) and `offset` ≥ 0 (default 0), clamped as the gateway does. */
export function pageOf(query: URLSearchParams): { limit: number; offset: number } {
  const limit = Math.min(Math.max(1, Math.trunc(Number(query.get("limit"))) || 20), 100);
  const offset = Math.max(0, Math.trunc(Number(query.get("offset"))) || 0);
  return { limit, offset };
}
