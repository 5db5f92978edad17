import type { contract } from "@gatehouse/sdk";
import type { WorkflowRecord } from "../engine/types.js";

/** The ChaosChain gateway's WorkflowResponse: bare JSON, ms timestamps, `error` only when set, never `input`. */
export function toWorkflowResponse(wf: WorkflowRecord): contract.WorkflowResponse {
  return {
    id: wf.id,
    type: wf.type,
    state: wf.state,
    step: wf.step,
    created_at: wf.createdAt,
    updated_at: wf.updatedAt,
    progress: wf.progress,
    ...(wf.error ? { error: { step: wf.error.step, message: wf.error.message, code: wf.error.code } } : {}),
  };
}
