import type { Logger } from "@gatehouse/service";
import type { Address } from "viem";
import type { DkgVersion } from "../dkg/index.js";
import type { EvidenceStore } from "../evidence/store.js";
import { retryDelayMs } from "./backoff.js";
import type { ChainReaderPort, TransactionsPort, WorkflowStorePort } from "./ports.js";
import { AWAITING_SINCE, type StepContext, stepDefinition } from "./steps/index.js";
import type { Transition } from "./store.js";
import {
  compactInput,
  type Progress,
  type StepResult,
  TERMINAL_STATES,
  type WorkflowError,
  type WorkflowRecord,
  type WorkflowState,
} from "./types.js";

export interface EngineSettings {
  concurrency: number;
  tickMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  sweepIntervalMs: number;
  stallResumeAfterMs: number;
  maxStallCycles: number;
  pollMs: number;
  confirmTimeoutMs: number;
  evidenceWindowMs: number;
  dkgVersion: DkgVersion;
}

/** A committed transition, for events and metrics. */
export interface TransitionEvent {
  workflow: WorkflowRecord;
  previousState: WorkflowState;
  previousStep: string;
  patch: Progress;
  fencingToken: number;
}

export interface EngineDeps {
  store: WorkflowStorePort;
  chain: ChainReaderPort;
  tx: TransactionsPort;
  evidence: EvidenceStore;
  adminSigner: Address;
  instanceId: string;
  logger: Logger;
  settings: EngineSettings;
  onTransition(event: TransitionEvent): void;
  onStep?(step: string, outcome: StepResult["kind"] | "reconciled" | "lease_lost"): void;
  now?: () => number;
}

/** Steps run back to back under one lease before the workflow goes back to the scheduler. */
const MAX_STEPS_PER_CLAIM = 32;

/**
 * The workflow engine: a scheduler over Redis (each workflow has a due time; claiming it takes a
 * lease with a fencing token), step execution with reconciliation before irreversible steps,
 * retries with backoff, STALLED/FAILED, and a sweeper that resumes stalled workflows.
 */
export class Engine {
  readonly #running = new Map<string, Promise<void>>();
  #tickTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = false;
  readonly #now: () => number;

  constructor(private readonly deps: EngineDeps) {
    this.#now = deps.now ?? Date.now;
  }

  start(): void {
    this.#tickTimer = setInterval(() => void this.tick(), this.deps.settings.tickMs);
    this.#sweepTimer = setInterval(() => void this.sweep(), this.deps.settings.sweepIntervalMs);
    void this.tick();
  }

  /** Stops claiming and waits (bounded) for the steps in flight; unfinished work stays due for whoever runs next. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#tickTimer);
    clearInterval(this.#sweepTimer);
    const idle = Promise.allSettled([...this.#running.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([idle, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  get inFlight(): number {
    return this.#running.size;
  }

  /** Claims due workflows up to the concurrency limit and runs them. */
  async tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      const free = this.deps.settings.concurrency - this.#running.size;
      if (free <= 0) return;
      const claimed = await this.deps.store.claimDue(this.#now(), free, this.deps.settings.leaseMs, this.deps.instanceId);
      for (const { id, token } of claimed) {
        if (this.#running.has(id)) continue;
        const run = this.run(id, token)
          .catch((err: unknown) => this.deps.logger.error({ err, workflowId: id }, "workflow run failed"))
          .finally(() => {
            this.#running.delete(id);
            if (!this.#stopped) void this.tick();
          });
        this.#running.set(id, run);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, "scheduler tick failed");
    } finally {
      this.#ticking = false;
    }
  }

  private context(wf: WorkflowRecord): StepContext {
    const { settings } = this.deps;
    return {
      wf,
      chain: this.deps.chain,
      tx: this.deps.tx,
      evidence: this.deps.evidence,
      adminSigner: this.deps.adminSigner,
      dkgVersion: settings.dkgVersion,
      pollMs: settings.pollMs,
      confirmTimeoutMs: settings.confirmTimeoutMs,
      evidenceWindowMs: settings.evidenceWindowMs,
      now: this.#now,
    };
  }

  /** Runs a claimed workflow step by step while it can make progress without waiting. */
  private async run(id: string, token: number): Promise<void> {
    for (let n = 0; n < MAX_STEPS_PER_CLAIM && !this.#stopped; n++) {
      const wf = await this.deps.store.load(id);
      if (!wf || TERMINAL_STATES.has(wf.state) || wf.state === "STALLED") return;
      if (wf.leaseToken !== token) return;
      if (wf.state === "CREATED") {
        if (!(await this.commit(wf, token, { ...this.keep(wf), state: "RUNNING", dueAt: this.#now() + this.deps.settings.leaseMs }, {})))
          return;
        continue;
      }
      const result = await this.execute(wf);
      const transition = this.apply(wf, result);
      if (!(await this.commit(wf, token, transition, "patch" in result ? (result.patch ?? {}) : {}))) {
        this.deps.onStep?.(wf.step, "lease_lost");
        return;
      }
      if (!(result.kind === "next" && result.step !== null)) return;
    }
  }

  private async execute(wf: WorkflowRecord): Promise<StepResult> {
    const definition = stepDefinition(wf.type, wf.step);
    if (!definition) return { kind: "fail", code: "UNKNOWN_STEP", message: `${wf.type} has no step ${wf.step}` };
    const ctx = this.context(wf);
    try {
      if (definition.irreversible && definition.reconcile) {
        const reconciled = await definition.reconcile(ctx);
        if (reconciled) {
          this.deps.onStep?.(wf.step, "reconciled");
          this.deps.logger.info(
            { workflowId: wf.id, step: wf.step, outcome: reconciled.kind, next: "step" in reconciled ? reconciled.step : undefined },
            "reconciled against chain state",
          );
          return reconciled;
        }
      }
      const result = await definition.execute(ctx);
      this.deps.onStep?.(wf.step, result.kind);
      return result;
    } catch (err) {
      this.deps.onStep?.(wf.step, "retry");
      return {
        kind: "retry",
        code: "UNEXPECTED_ERROR",
        message: (err as Error).message?.split("\n")[0] ?? String(err),
        category: "UNKNOWN",
      };
    }
  }

  private keep(wf: WorkflowRecord): Pick<Transition, "state" | "step" | "attempts" | "progress"> {
    return { state: wf.state, step: wf.step, attempts: wf.attempts, progress: wf.progress };
  }

  /** The transition a step result asks for. */
  private apply(wf: WorkflowRecord, result: StepResult): Transition {
    const now = this.#now();
    const { settings } = this.deps;
    const error = (code: string, message: string, recoverable: boolean): WorkflowError => ({ step: wf.step, code, message, recoverable });
    switch (result.kind) {
      case "next": {
        const progress: Progress = { ...wf.progress, ...result.patch };
        for (const key of [...(result.remove ?? []), AWAITING_SINCE, "_last_error"]) delete progress[key];
        const input = result.compactInput ? compactInput(wf.input) : undefined;
        const compacted = input ? { input } : {};
        if (result.step === null)
          return { state: "COMPLETED", step: "COMPLETED", attempts: 0, progress, error: null, dueAt: null, stalledAt: null, ...compacted };
        return { state: "RUNNING", step: result.step, attempts: 0, progress, dueAt: now + settings.leaseMs, ...compacted };
      }
      case "wait":
        return { ...this.keep(wf), progress: { ...wf.progress, ...result.patch }, dueAt: now + result.delayMs };
      case "retry": {
        const attempts = wf.attempts + 1;
        const progress = { ...wf.progress, _last_error: { code: result.code, message: result.message } };
        if (attempts < settings.maxAttempts) {
          return {
            ...this.keep(wf),
            attempts,
            progress,
            dueAt: now + retryDelayMs(attempts, settings.backoffBaseMs, settings.backoffMaxMs),
          };
        }
        if (result.category === "PERMANENT")
          return { ...this.keep(wf), state: "FAILED", attempts, progress, error: error(result.code, result.message, false), dueAt: null };
        return {
          ...this.keep(wf),
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
          ...this.keep(wf),
          state: "STALLED",
          error: error("STALLED", `${result.code}: ${result.message}`, true),
          dueAt: null,
          stalledAt: now,
        };
      case "fail":
        return { ...this.keep(wf), state: "FAILED", error: error(result.code, result.message, false), dueAt: null, stalledAt: null };
    }
  }

  private async commit(wf: WorkflowRecord, token: number | "", requested: Transition, patch: Progress): Promise<boolean> {
    const now = this.#now();
    // A finished workflow keeps a bounded record: its bulky input goes with the last transition.
    const compact = TERMINAL_STATES.has(requested.state) && requested.input === undefined ? compactInput(wf.input) : undefined;
    const transition = compact ? { ...requested, input: compact } : requested;
    const ok = await this.deps.store.transition(wf.id, token, transition, now);
    if (!ok) return false;
    const changed = transition.state !== wf.state || transition.step !== wf.step || transition.attempts !== wf.attempts;
    if (changed || transition.error !== undefined || Object.keys(patch).length > 0) {
      const { error, ...rest } = transition;
      const next: WorkflowRecord = { ...wf, ...rest, updatedAt: now };
      if (error) next.error = error;
      else if (error === null) delete next.error;
      this.deps.onTransition({
        workflow: next,
        previousState: wf.state,
        previousStep: wf.step,
        patch,
        fencingToken: typeof token === "number" ? token : 0,
      });
    }
    return true;
  }

  /** Resumes STALLED workflows after `stallResumeAfterMs`; FAILED after `maxStallCycles` resumes. */
  async sweep(): Promise<void> {
    if (this.#stopped) return;
    const { settings, store } = this.deps;
    try {
      const ids = await store.stalledBefore(this.#now() - settings.stallResumeAfterMs, 100);
      for (const wf of await store.loadMany(ids)) {
        if (wf.state !== "STALLED") continue;
        const cycles = Number(wf.progress._stall_count ?? 0) + 1;
        if (cycles > settings.maxStallCycles) {
          await this.operatorTransition(wf, {
            ...this.keep(wf),
            state: "FAILED",
            error: { step: wf.step, code: "MAX_STALL_CYCLES_EXCEEDED", message: `stalled ${cycles - 1} times`, recoverable: false },
            dueAt: null,
            stalledAt: null,
          });
          continue;
        }
        await this.resume(wf, { ...wf.progress, _stall_count: cycles });
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, "sweep failed");
    }
  }

  private resume(wf: WorkflowRecord, progress: Progress): Promise<boolean> {
    const cleaned = { ...progress };
    delete cleaned[AWAITING_SINCE];
    return this.operatorTransition(wf, {
      state: "RUNNING",
      step: wf.step,
      attempts: 0,
      progress: cleaned,
      error: null,
      dueAt: this.#now(),
      stalledAt: null,
    });
  }

  private operatorTransition(wf: WorkflowRecord, transition: Transition): Promise<boolean> {
    return this.commit(wf, "", { ...transition, fenceOut: true, expectState: wf.state }, {});
  }

  /** Operator retry of a STALLED workflow: attempts reset, due now. */
  async retry(id: string): Promise<"ok" | "not_found" | "not_stalled"> {
    const wf = await this.deps.store.load(id);
    if (!wf) return "not_found";
    if (wf.state !== "STALLED") return "not_stalled";
    return (await this.resume(wf, wf.progress)) ? "ok" : "not_stalled";
  }

  /** Operator cancel: FAILED with CANCELLED; the current lease holder is fenced out. */
  async cancel(id: string, reason: string): Promise<"ok" | "not_found" | "terminal"> {
    const wf = await this.deps.store.load(id);
    if (!wf) return "not_found";
    if (TERMINAL_STATES.has(wf.state)) return "terminal";
    const ok = await this.operatorTransition(wf, {
      ...this.keep(wf),
      state: "FAILED",
      error: { step: wf.step, code: "CANCELLED", message: reason || "cancelled by an operator", recoverable: false },
      dueAt: null,
      stalledAt: null,
    });
    return ok ? "ok" : "terminal";
  }
}
