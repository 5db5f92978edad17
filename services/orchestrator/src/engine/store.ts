import type { FinishedWorkflowPruner, WorkflowStorePort } from "./ports.js";
import type { Progress, WorkflowError, WorkflowInput, WorkflowRecord, WorkflowState, WorkflowType } from "./types.js";

export interface Transition {
  state: WorkflowState;
  step: string;
  attempts: number;
  progress: Progress;
  /** null clears the error; undefined keeps it. */
  error?: WorkflowError | null;
  /** When the scheduler should pick the workflow up next; null = not scheduled (terminal or STALLED). */
  dueAt: number | null;
  /** Set when STALLED: the sweeper resumes it after a while. */
  stalledAt?: number | null;
  /** Invalidate the current lease holder (operator actions). */
  fenceOut?: boolean;
  /** Only apply if the workflow is in this state (operator actions). */
  expectState?: WorkflowState;
  /** Replaces the stored input (a step dropping what it no longer needs, such as evidence bytes); undefined keeps it. */
  input?: WorkflowInput;
}

export type CreateOutcome = { outcome: "created" | "existing" | "conflict"; id: string };

export interface CreateRequest {
  record: WorkflowRecord;
  idempotencyKey?: string;
  /** Fingerprint of the request body: the same Idempotency-Key with another body is a conflict. */
  fingerprint: string;
  naturalKey?: string;
  idempotencyTtlSeconds: number;
}

/**
 * Where workflow records live: the engine's port (leasing due workflows with a fencing token,
 * fenced transitions), the retention job's pruning of finished workflows, and what the API needs
 * (creation with deduplication, the indexes it lists by). Each method is atomic on its own. Backends: PostgreSQL
 * (persistence/postgres, the production default) and Redis (persistence/redis).
 */
export interface WorkflowStore extends WorkflowStorePort, FinishedWorkflowPruner {
  /** Inserts the record unless the Idempotency-Key or the natural key names a workflow already. */
  create(request: CreateRequest): Promise<CreateOutcome>;
  idsInState(state: WorkflowState): Promise<string[]>;
  idsForStudio(studio: string): Promise<string[]>;
  idsForTypeAndState(type: WorkflowType, state: WorkflowState): Promise<string[]>;
  countDue(now: number): Promise<number>;
  countInState(state: WorkflowState): Promise<number>;
}
