import type { WorkflowRecord } from "../engine/types.js";

/** The ChaosChain gateway's WorkflowResponse: bare JSON, ms timestamps, `error` only when set, never `input`. */
export interface WorkflowResponse {
  id: string;
  type: string;
  state: string;
  step: string;
  created_at: number;
  updated_at: number;
  progress: Record<string, unknown>;
  error?: { step: string; message: string; code: string };
}

export function toWorkflowResponse(wf: WorkflowRecord): WorkflowResponse {
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
