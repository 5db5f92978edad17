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
 * Where workflow records live (the engine's port): creation with deduplication, leasing due
 * workflows with a fencing token, fenced transitions, the indexes the API lists by, and pruning
 * of finished workflows. Each method is atomic on its own. Backends: PostgreSQL
 * (persistence/postgres, the production default) and Redis (persistence/redis).
 */
export interface WorkflowStore {
  /** Inserts the record unless the Idempotency-Key or the natural key names a workflow already. */
  create(request: CreateRequest): Promise<CreateOutcome>;
  load(id: string): Promise<WorkflowRecord | undefined>;
  loadMany(ids: readonly string[]): Promise<WorkflowRecord[]>;
  /** Leases up to `limit` due workflows for `leaseMs` (due time pushed to the lease expiry, fencing token bumped). */
  claimDue(now: number, limit: number, leaseMs: number, owner: string): Promise<Array<{ id: string; token: number }>>;
  /** Applies a transition under lease `token` ('' = operator, unfenced). False if the lease was lost. */
  transition(id: string, token: number | "", t: Transition, now: number): Promise<boolean>;
  /** STALLED workflows that stalled at or before `before`. */
  stalledBefore(before: number, limit: number): Promise<string[]>;
  idsInState(state: WorkflowState): Promise<string[]>;
  idsForStudio(studio: string): Promise<string[]>;
  idsForTypeAndState(type: WorkflowType, state: WorkflowState): Promise<string[]>;
  countDue(now: number): Promise<number>;
  countInState(state: WorkflowState): Promise<number>;
  /**
   * Deletes up to `limit` COMPLETED/FAILED workflows that finished before `before`, with their
   * transaction records and natural keys; returns how many went.
   */
  pruneFinished(before: number, limit: number): Promise<number>;
}
