import { describe, expect, it } from "@jest/globals";
import { workRecord } from "../../test/fixtures.js";
import { AWAITING_SINCE } from "./steps/context.js";
import {
  type EngineEvent,
  foldTransitions,
  LAST_ERROR,
  mayFold,
  recordAfter,
  STALL_COUNT,
  type TransitionPolicy,
  transitionFor,
} from "./transitions.js";
import { type StepResult, WORKFLOW_STATES, type WorkflowRecord, type WorkflowState } from "./types.js";

const NOW = 1_000_000;
const POLICY: TransitionPolicy = { leaseMs: 30_000, maxAttempts: 3, backoffBaseMs: 1_000, backoffMaxMs: 60_000, maxStallCycles: 2 };
const HALF = () => 0.5;

const record = (state: WorkflowState, overrides: Partial<WorkflowRecord> = {}): WorkflowRecord =>
  workRecord(state, { progress: { dkg_thread_root: "0x02" }, leaseToken: 7, ...overrides });

const step = (result: StepResult): EngineEvent => ({ kind: "step", result });
const decide = (wf: WorkflowRecord, event: EngineEvent) => transitionFor(wf, event, NOW, POLICY, HALF);

describe("which events apply in which state", () => {
  const allowed: Record<EngineEvent["kind"], WorkflowState[]> = {
    start: ["CREATED"],
    step: ["RUNNING"],
    sweep: ["STALLED"],
    retry: ["STALLED"],
    cancel: ["CREATED", "RUNNING", "STALLED"],
  };
  const events: EngineEvent[] = [
    { kind: "start" },
    step({ kind: "next", step: "AWAIT_TX_CONFIRM" }),
    { kind: "sweep" },
    { kind: "retry" },
    { kind: "cancel", reason: "" },
  ];
  const pairs = events.flatMap((event) => WORKFLOW_STATES.map((state) => [event.kind, state, event] as const));

  it.each(pairs)("%s in %s", (kind, state, event) => {
    const transition = decide(record(state), event);
    if (allowed[kind].includes(state)) expect(transition).toBeDefined();
    else expect(transition).toBeUndefined();
  });
});

describe("start", () => {
  it("moves a CREATED workflow to RUNNING on its first step, due when its lease runs out", () => {
    expect(decide(record("CREATED", { step: "COMPUTE_DKG" }), { kind: "start" })).toEqual({
      state: "RUNNING",
      step: "COMPUTE_DKG",
      attempts: 0,
      progress: { dkg_thread_root: "0x02" },
      dueAt: NOW + POLICY.leaseMs,
    });
  });
});

describe("a step's result", () => {
  it("next: checkpoints the patch, drops removed keys, the wait marker and the last error, resets attempts", () => {
    const wf = record("RUNNING", { attempts: 2, progress: { keep: 1, gone: 2, [AWAITING_SINCE]: 5, [LAST_ERROR]: { code: "X" } } });
    expect(decide(wf, step({ kind: "next", step: "AWAIT_TX_CONFIRM", patch: { added: 3 }, remove: ["gone"] }))).toEqual({
      state: "RUNNING",
      step: "AWAIT_TX_CONFIRM",
      attempts: 0,
      progress: { keep: 1, added: 3 },
      dueAt: NOW + POLICY.leaseMs,
    });
  });

  it("next with compactInput drops the bulky input fields; without it the input stays", () => {
    const wf = record("RUNNING", { input: { ...record("RUNNING").input, evidence_content: "AAAA" } });
    const compacted = decide(wf, step({ kind: "next", step: "SUBMIT_WORK_ONCHAIN", compactInput: true }));
    expect(compacted?.input).toEqual(record("RUNNING").input);
    expect(decide(wf, step({ kind: "next", step: "SUBMIT_WORK_ONCHAIN" }))?.input).toBeUndefined();
  });

  it("next(null): COMPLETED, unscheduled, error cleared, bulky input dropped", () => {
    const wf = record("RUNNING", { attempts: 1, input: { ...record("RUNNING").input, evidence_content: "AAAA" } });
    expect(decide(wf, step({ kind: "next", step: null, patch: { done: true } }))).toEqual({
      state: "COMPLETED",
      step: "COMPLETED",
      attempts: 0,
      progress: { dkg_thread_root: "0x02", done: true },
      error: null,
      dueAt: null,
      stalledAt: null,
      input: record("RUNNING").input,
    });
  });

  it("wait: same step and attempts, patch kept, due after the delay", () => {
    expect(decide(record("RUNNING", { attempts: 1 }), step({ kind: "wait", delayMs: 500, patch: { [AWAITING_SINCE]: NOW } }))).toEqual({
      state: "RUNNING",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 1,
      progress: { dkg_thread_root: "0x02", [AWAITING_SINCE]: NOW },
      dueAt: NOW + 500,
    });
  });

  it("retry with attempts left: counts the attempt, records the error, backs off exponentially", () => {
    const retry = step({ kind: "retry", code: "RPC", message: "timeout", category: "TRANSIENT" });
    const first = decide(record("RUNNING"), retry);
    expect(first).toEqual({
      state: "RUNNING",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 1,
      progress: { dkg_thread_root: "0x02", [LAST_ERROR]: { code: "RPC", message: "timeout" } },
      dueAt: NOW + 750,
    });
    // Equal jitter: half the exponential delay fixed, half random (here half of that half).
    expect(decide(record("RUNNING", { attempts: 1 }), retry)?.dueAt).toBe(NOW + 1_500);
    expect(transitionFor(record("RUNNING", { attempts: 1 }), retry, NOW, POLICY, () => 0)?.dueAt).toBe(NOW + 1_000);
    expect(
      transitionFor(record("RUNNING", { attempts: 1 }), retry, NOW, { ...POLICY, maxAttempts: 99, backoffMaxMs: 1_200 }, () => 1)?.dueAt,
    ).toBe(NOW + 1_200);
  });

  it("retry out of attempts: STALLED (recoverable) unless the error is PERMANENT, then FAILED", () => {
    const wf = record("RUNNING", { attempts: POLICY.maxAttempts - 1 });
    expect(decide(wf, step({ kind: "retry", code: "RPC", message: "timeout", category: "TRANSIENT" }))).toEqual({
      state: "STALLED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: POLICY.maxAttempts,
      progress: { dkg_thread_root: "0x02", [LAST_ERROR]: { code: "RPC", message: "timeout" } },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "STALLED", message: "RPC: timeout", recoverable: true },
      dueAt: null,
      stalledAt: NOW,
    });
    expect(decide(wf, step({ kind: "retry", code: "BAD", message: "no", category: "PERMANENT" }))).toEqual({
      state: "FAILED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: POLICY.maxAttempts,
      progress: { dkg_thread_root: "0x02", [LAST_ERROR]: { code: "BAD", message: "no" } },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "BAD", message: "no", recoverable: false },
      dueAt: null,
    });
  });

  it("a PERMANENT error with attempts left is still retried", () => {
    expect(decide(record("RUNNING"), step({ kind: "retry", code: "BAD", message: "no", category: "PERMANENT" }))?.state).toBe("RUNNING");
  });

  it("stall: STALLED now, attempts kept", () => {
    expect(decide(record("RUNNING", { attempts: 1 }), step({ kind: "stall", code: "TX_CONFIRMATION_TIMEOUT", message: "slow" }))).toEqual({
      state: "STALLED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 1,
      progress: { dkg_thread_root: "0x02" },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "STALLED", message: "TX_CONFIRMATION_TIMEOUT: slow", recoverable: true },
      dueAt: null,
      stalledAt: NOW,
    });
  });

  it("fail: FAILED with the step's code, not recoverable, bulky input dropped", () => {
    const wf = record("RUNNING", { input: { ...record("RUNNING").input, evidence_content: "AAAA" } });
    expect(decide(wf, step({ kind: "fail", code: "SIGNER_UNAVAILABLE", message: "no key" }))).toEqual({
      state: "FAILED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 0,
      progress: { dkg_thread_root: "0x02" },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "SIGNER_UNAVAILABLE", message: "no key", recoverable: false },
      dueAt: null,
      stalledAt: null,
      input: record("RUNNING").input,
    });
  });
});

describe("sweep", () => {
  it("resumes a STALLED workflow on its step, counting the cycle, fencing out any lease holder", () => {
    const wf = record("STALLED", { attempts: 3, progress: { [AWAITING_SINCE]: 5, [STALL_COUNT]: 1 } });
    expect(decide(wf, { kind: "sweep" })).toEqual({
      state: "RUNNING",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 0,
      progress: { [STALL_COUNT]: 2 },
      error: null,
      dueAt: NOW,
      stalledAt: null,
      fenceOut: true,
      expectState: "STALLED",
    });
  });

  it("fails a workflow that stalled more than maxStallCycles times", () => {
    const wf = record("STALLED", { progress: { [STALL_COUNT]: POLICY.maxStallCycles } });
    expect(decide(wf, { kind: "sweep" })).toEqual({
      state: "FAILED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 0,
      progress: { [STALL_COUNT]: POLICY.maxStallCycles },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "MAX_STALL_CYCLES_EXCEEDED", message: "stalled 2 times", recoverable: false },
      dueAt: null,
      stalledAt: null,
      fenceOut: true,
      expectState: "STALLED",
    });
  });

  it("with maxStallCycles 0 the first sweep fails the workflow", () => {
    expect(transitionFor(record("STALLED"), { kind: "sweep" }, NOW, { ...POLICY, maxStallCycles: 0 })?.state).toBe("FAILED");
  });
});

describe("operator actions", () => {
  it("retry resumes a STALLED workflow without counting a stall cycle", () => {
    const wf = record("STALLED", { attempts: 3, progress: { [STALL_COUNT]: 1, [AWAITING_SINCE]: 5 } });
    expect(decide(wf, { kind: "retry" })).toEqual({
      state: "RUNNING",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 0,
      progress: { [STALL_COUNT]: 1 },
      error: null,
      dueAt: NOW,
      stalledAt: null,
      fenceOut: true,
      expectState: "STALLED",
    });
  });

  it.each(["CREATED", "RUNNING", "STALLED"] as const)("cancel fails a %s workflow with CANCELLED, applying only in that state", (state) => {
    expect(decide(record(state, { attempts: 1 }), { kind: "cancel", reason: "wrong studio" })).toEqual({
      state: "FAILED",
      step: "SUBMIT_WORK_ONCHAIN",
      attempts: 1,
      progress: { dkg_thread_root: "0x02" },
      error: { step: "SUBMIT_WORK_ONCHAIN", code: "CANCELLED", message: "wrong studio", recoverable: false },
      dueAt: null,
      stalledAt: null,
      fenceOut: true,
      expectState: state,
    });
  });

  it("cancel without a reason says an operator cancelled it", () => {
    expect(decide(record("RUNNING"), { kind: "cancel", reason: "" })?.error?.message).toBe("cancelled by an operator");
  });
});

describe("recordAfter", () => {
  const wf = record("RUNNING", { error: { step: "SUBMIT_WORK_ONCHAIN", code: "OLD", message: "old", recoverable: true } });

  it("is undefined for a transition that only moved the due time", () => {
    const wait = decide(wf, step({ kind: "wait", delayMs: 100 }));
    expect(wait && recordAfter(wf, wait, {}, NOW)).toBeUndefined();
  });

  it("is the record as the transition left it: state, step, progress, error cleared, updated now", () => {
    const next = decide(wf, step({ kind: "next", step: null, patch: { done: true } }));
    expect(next && recordAfter(wf, next, { done: true }, NOW)).toEqual({
      ...record("RUNNING"),
      state: "COMPLETED",
      step: "COMPLETED",
      progress: { dkg_thread_root: "0x02", done: true },
      input: record("RUNNING").input,
      updatedAt: NOW,
    });
  });

  it("reports a wait that checkpointed progress, and carries a new error", () => {
    const wait = decide(wf, step({ kind: "wait", delayMs: 100, patch: { [AWAITING_SINCE]: NOW } }));
    expect(wait && recordAfter(wf, wait, { [AWAITING_SINCE]: NOW }, NOW)?.progress).toEqual({
      dkg_thread_root: "0x02",
      [AWAITING_SINCE]: NOW,
    });
    const stall = decide(wf, step({ kind: "stall", code: "T", message: "m" }));
    expect(stall && recordAfter(wf, stall, {}, NOW)?.error).toEqual({
      step: "SUBMIT_WORK_ONCHAIN",
      code: "STALLED",
      message: "T: m",
      recoverable: true,
    });
  });
});

describe("mayFold", () => {
  const next = step({ kind: "next", step: "UPLOAD_EVIDENCE" });

  it("folds a start and a replayable step moving on to another step while the lease is young", () => {
    expect(mayFold({ kind: "start" }, false, 0, POLICY.leaseMs)).toBe(true);
    expect(mayFold(next, true, 1_000, POLICY.leaseMs)).toBe(true);
  });

  it("commits a step whose rerun would act twice", () => {
    expect(mayFold(next, false, 0, POLICY.leaseMs)).toBe(false);
  });

  it("commits the end of a workflow and every result that does not move on", () => {
    expect(mayFold(step({ kind: "next", step: null }), true, 0, POLICY.leaseMs)).toBe(false);
    for (const result of [
      { kind: "wait", delayMs: 100 },
      { kind: "retry", code: "X", message: "x", category: "TRANSIENT" },
      { kind: "stall", code: "X", message: "x" },
      { kind: "fail", code: "X", message: "x" },
    ] as StepResult[])
      expect(mayFold(step(result), true, 0, POLICY.leaseMs)).toBe(false);
  });

  it("commits once the lease has been held for half its time, which the commit renews", () => {
    expect(mayFold(next, true, POLICY.leaseMs / 2 - 1, POLICY.leaseMs)).toBe(true);
    expect(mayFold(next, true, POLICY.leaseMs / 2, POLICY.leaseMs)).toBe(false);
    expect(mayFold({ kind: "start" }, true, POLICY.leaseMs / 2, POLICY.leaseMs)).toBe(false);
  });
});

describe("foldTransitions", () => {
  it("leaves the record as committing the two one after the other would", () => {
    const created = record("CREATED", { step: "COMPUTE_DKG", progress: {} });
    const start = decide(created, { kind: "start" });
    const afterStart = start && recordAfter(created, start, {}, NOW);
    const dkg = afterStart && decide(afterStart, step({ kind: "next", step: "UPLOAD_EVIDENCE", patch: { dkg_thread_root: "0x03" } }));
    const afterDkg = dkg && afterStart && recordAfter(afterStart, dkg, { dkg_thread_root: "0x03" }, NOW);
    const folded = start && dkg && foldTransitions(start, dkg);
    expect(folded && recordAfter(created, folded, { dkg_thread_root: "0x03" }, NOW)).toEqual(afterDkg);
  });

  it("keeps an earlier input compaction and error unless the later transition sets its own", () => {
    const compacting = { state: "RUNNING", step: "B", attempts: 0, progress: {}, dueAt: 1, input: { compacted: true } } as never;
    const later = { state: "RUNNING", step: "C", attempts: 0, progress: { a: 1 }, dueAt: 2 } as never;
    expect(foldTransitions(compacting, later)).toEqual({ ...(later as object), input: { compacted: true } });
    const failing = { state: "FAILED", step: "C", attempts: 0, progress: {}, dueAt: null, error: null } as never;
    expect(foldTransitions({ ...(compacting as object), error: { code: "E" } } as never, failing)).toMatchObject({
      error: null,
      input: { compacted: true },
    });
  });
});
