import type { contract } from "@gatehouse/sdk";
import type { CloseEpochInput, ScoreSubmissionInput, WorkflowRecord, WorkSubmissionInput } from "../engine/types.js";

/**
 * The read views of submitted work behind `GET /v1/studio/:address/work` and
 * `GET /v1/work/:hash/evidence`, as the ChaosChain gateway derives them from its workflow
 * records (`packages/gateway/src/services/work-data-reader.ts`): pure functions of the records.
 */

const lower = (s: string) => s.toLowerCase();

function workItem(wf: WorkflowRecord): contract.WorkItem {
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
    // The gateway's defaults for fields a submission here never carries.
    studio_policy_version: "engineering-studio-default-v1",
    work_mandate_id: "generic-task",
    task_type: "general",
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
  status: contract.WorkStatus,
  page: { limit: number; offset: number },
): contract.StudioWork {
  const completed = records.filter((wf) => wf.state === "COMPLETED");
  const scored = new Set(
    completed.filter((wf) => wf.type === "ScoreSubmission").map((wf) => lower((wf.input as ScoreSubmissionInput).data_hash)),
  );
  const closed = new Set(completed.filter((wf) => wf.type === "CloseEpoch").map((wf) => (wf.input as CloseEpochInput).epoch));
  const statusOf = (input: WorkSubmissionInput): contract.WorkStatus =>
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
export function workEvidence(wf: WorkflowRecord): contract.WorkEvidence {
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
