import { backoffDelayMs } from "@gatehouse/service";
import { AWAITING_SINCE } from "./steps/context.js";
import type { Transition } from "./store.js";
import { compactInput, type Progress, type StepResult, TERMINAL_STATES, type WorkflowError, type WorkflowRecord } from "./types.js";

/**
 * The workflow state machine as pure functions: given a record, what happened to it and the time,
 * the transition to commit, or undefined when the event does not apply in the record's state.
 * The engine does the I/O (load, execute, commit under the lease); every decision is here.
 *
 *   CREATED ──start──▶ RUNNING ──step: next(null)──▶ COMPLETED
 *   RUNNING ──step: retry (attempts left) / wait / next──▶ RUNNING
 *   RUNNING ──step: retry (out of attempts) / stall──▶ STALLED      (PERMANENT retry, fail ──▶ FAILED)
 *   STALLED ──sweep──▶ RUNNING, or FAILED after maxStallCycles     STALLED ──retry──▶ RUNNING
 *   CREATED, RUNNING, STALLED ──cancel──▶ FAILED
 */

export type EngineEvent =
  /** The scheduler picked up a CREATED workflow. */
  | { kind: "start" }
  /** A step of a RUNNING workflow returned `result`. */
  | { kind: "step"; result: StepResult }
  /** The sweeper found a STALLED workflow past `stallResumeAfterMs`. */
  | { kind: "sweep" }
  /** An operator asked to retry a STALLED workflow. */
  | { kind: "retry" }
  /** An operator cancelled the workflow. */
  | { kind: "cancel"; reason: string };

export interface TransitionPolicy {
  /** Due time of a RUNNING workflow after a transition: the lease it is run under. */
  leaseMs: number;
  /** Attempts of one step before it stalls (or fails, for a PERMANENT error). */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Sweeper resumes before a STALLED workflow fails for good. */
  maxStallCycles: number;
}

/** Progress key counting the sweeper's resumes of a workflow. */
export const STALL_COUNT = "_stall_count";
/** Progress key of the last retried error, dropped when the step moves on. */
export const LAST_ERROR = "_last_error";

/**
 * The transition `event` asks of `wf` at `now`; undefined when the event is refused in this state
 * (start needs CREATED, step RUNNING, sweep and retry STALLED, cancel an unfinished workflow).
 * Operator and sweeper transitions fence out the lease holder and apply only in the state they
 * were decided in. A transition into COMPLETED or FAILED drops the bulky input fields.
 */
export function transitionFor(
  wf: WorkflowRecord,
  event: EngineEvent,
  now: number,
  policy: TransitionPolicy,
  random: () => number = Math.random,
): Transition | undefined {
  const decided = decide(wf, event, now, policy, random);
  return decided && compactWhenFinished(wf, decided);
}

function decide(
  wf: WorkflowRecord,
  event: EngineEvent,
  now: number,
  policy: TransitionPolicy,
  random: () => number,
): Transition | undefined {
  switch (event.kind) {
    case "start":
      return wf.state === "CREATED" ? { ...keep(wf), state: "RUNNING", dueAt: now + policy.leaseMs } : undefined;
    case "step":
      return wf.state === "RUNNING" ? afterStep(wf, event.result, now, policy, random) : undefined;
    case "sweep": {
      if (wf.state !== "STALLED") return undefined;
      const cycles = Number(wf.progress[STALL_COUNT] ?? 0) + 1;
      if (cycles > policy.maxStallCycles) {
        return operator(wf, {
          ...keep(wf),
          state: "FAILED",
          error: { step: wf.step, code: "MAX_STALL_CYCLES_EXCEEDED", message: `stalled ${cycles - 1} times`, recoverable: false },
          dueAt: null,
          stalledAt: null,
        });
      }
      return resume(wf, { ...wf.progress, [STALL_COUNT]: cycles }, now);
    }
    case "retry":
      return wf.state === "STALLED" ? resume(wf, wf.progress, now) : undefined;
    case "cancel":
      if (TERMINAL_STATES.has(wf.state)) return undefined;
      return operator(wf, {
        ...keep(wf),
        state: "FAILED",
        error: { step: wf.step, code: "CANCELLED", message: event.reason || "cancelled by an operator", recoverable: false },
        dueAt: null,
        stalledAt: null,
      });
  }
}

/** The transition a step result asks for. */
function afterStep(wf: WorkflowRecord, result: StepResult, now: number, policy: TransitionPolicy, random: () => number): Transition {
  const error = (code: string, message: string, recoverable: boolean): WorkflowError => ({ step: wf.step, code, message, recoverable });
  switch (result.kind) {
    case "next": {
      const progress: Progress = { ...wf.progress, ...result.patch };
      for (const key of [...(result.remove ?? []), AWAITING_SINCE, LAST_ERROR]) delete progress[key];
      const input = result.compactInput ? compactInput(wf.input) : undefined;
      const compacted = input ? { input } : {};
      if (result.step === null)
        return { state: "COMPLETED", step: "COMPLETED", attempts: 0, progress, error: null, dueAt: null, stalledAt: null, ...compacted };
      return { state: "RUNNING", step: result.step, attempts: 0, progress, dueAt: now + policy.leaseMs, ...compacted };
    }
    case "wait":
      return { ...keep(wf), progress: { ...wf.progress, ...result.patch }, dueAt: now + result.delayMs };
    case "retry": {
      const attempts = wf.attempts + 1;
      const progress = { ...wf.progress, [LAST_ERROR]: { code: result.code, message: result.message } };
      if (attempts < policy.maxAttempts) {
        return {
          ...keep(wf),
          attempts,
          progress,
          // `attempts` counts this failure: the first retry is retry 0.
          dueAt: now + backoffDelayMs(attempts - 1, { baseMs: policy.backoffBaseMs, maxMs: policy.backoffMaxMs }, random),
        };
      }
      if (result.category === "PERMANENT")
        return { ...keep(wf), state: "FAILED", attempts, progress, error: error(result.code, result.message, false), dueAt: null };
      return {
        ...keep(wf),
        state: "STALLED",
        attempts,
        progress,
        error: error("STALLED", `${result.code}: ${result.message}`, true),
        dueAt: null,
        stalledAt: now,
      };
    }
    case "stall":
      return {
        ...keep(wf),
        state: "STALLED",
        error: error("STALLED", `${result.code}: ${result.message}`, true),
        dueAt: null,
        stalledAt: now,
      };
    case "fail":
      return { ...keep(wf), state: "FAILED", error: error(result.code, result.message, false), dueAt: null, stalledAt: null };
  }
}

const keep = (wf: WorkflowRecord): Pick<Transition, "state" | "step" | "attempts" | "progress"> => ({
  state: wf.state,
  step: wf.step,
  attempts: wf.attempts,
  progress: wf.progress,
});

/** Back to RUNNING on the same step, attempts reset, due now. */
function resume(wf: WorkflowRecord, progress: Progress, now: number): Transition {
  const cleaned = { ...progress };
  delete cleaned[AWAITING_SINCE];
  return operator(wf, { state: "RUNNING", step: wf.step, attempts: 0, progress: cleaned, error: null, dueAt: now, stalledAt: null });
}

/** Made outside the lease: the holder is fenced out, and it applies only if nobody moved the workflow since. */
const operator = (wf: WorkflowRecord, t: Transition): Transition => ({ ...t, fenceOut: true, expectState: wf.state });

/** A finished workflow keeps a bounded record: its bulky input goes with the last transition. */
function compactWhenFinished(wf: WorkflowRecord, t: Transition): Transition {
  if (!TERMINAL_STATES.has(t.state) || t.input !== undefined) return t;
  const input = compactInput(wf.input);
  return input ? { ...t, input } : t;
}

/**
 * The record as `t` left it at `now`, or undefined when the transition changed nothing worth a
 * WorkflowEvent (a wait that only moved the due time).
 */
export function recordAfter(wf: WorkflowRecord, t: Transition, patch: Progress, now: number): WorkflowRecord | undefined {
  const changed = t.state !== wf.state || t.step !== wf.step || t.attempts !== wf.attempts;
  if (!changed && t.error === undefined && Object.keys(patch).length === 0) return undefined;
  const { error, fenceOut: _fenceOut, expectState: _expectState, dueAt: _dueAt, stalledAt: _stalledAt, ...rest } = t;
  const next: WorkflowRecord = { ...wf, ...rest, updatedAt: now };
  if (error) next.error = error;
  else if (error === null) delete next.error;
  return next;
}

/**
 * Whether the transition `event` asks for may stay uncommitted while the workflow's next step
 * runs, to be committed with that step's: a workflow's start, and a step moving on to another step
 * when rerunning it from the stored record reaches the same result with no second side effect
 * (`replayable`: a crash before the commit costs a rerun, never a repeat). Only while the lease,
 * renewed by each commit, has been held for less than half its time.
 */
export function mayFold(event: EngineEvent, replayable: boolean, leaseHeldMs: number, leaseMs: number): boolean {
  if (leaseHeldMs * 2 >= leaseMs) return false;
  if (event.kind === "start") return true;
  return event.kind === "step" && event.result.kind === "next" && event.result.step !== null && replayable;
}

/** One transition leaving the record as `earlier` then `later` would (`later` decided on the record `earlier` left). */
export function foldTransitions(earlier: Transition, later: Transition): Transition {
  const folded = { ...later };
  // Fields `later` leaves unset keep what `earlier` did; never an explicit undefined, which `recordAfter` would copy.
  if (folded.error === undefined && earlier.error !== undefined) folded.error = earlier.error;
  if (folded.input === undefined && earlier.input !== undefined) folded.input = earlier.input;
  return folded;
}
