import { type Clock, type Logger, systemClock } from "@gatehouse/service";
import type { Address } from "viem";
import type { DkgVersion } from "../dkg/index.js";
import type { EvidenceStore } from "../evidence/store.js";
import type { ChainReaderPort, TransactionsPort, WorkflowStorePort } from "./ports.js";
import { type StepContext, stepDefinition, withNoted } from "./steps/index.js";
import type { Transition } from "./store.js";
import { type EngineEvent, foldTransitions, mayFold, recordAfter, transitionFor } from "./transitions.js";
import type { Progress, StepResult, WorkflowRecord, WorkflowState } from "./types.js";

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
  /** Every committed transition: the record as stored now and the due time it set. */
  onCommitted?(wf: WorkflowRecord, dueAt: number | null): void;
  /** This replica leased `id` with `token` until `leaseUntil`. */
  onClaimed?(id: string, token: number, leaseUntil: number): void;
  /** A commit under the lease was refused: what this replica last committed may be stale. */
  onLeaseLost?(id: string): void;
  /** The system clock unless a test moves time by hand. */
  clock?: Clock;
}

/** A transition decided on `before` (the record as the steps before it left it), with the progress patch it applied. */
interface FoldedStep {
  before: WorkflowRecord;
  transition: Transition;
  patch: Progress;
}

/** Steps run back to back under one lease before the workflow goes back to the scheduler. */
const MAX_STEPS_PER_CLAIM = 32;

/**
 * The workflow engine: a scheduler over the workflow store (each workflow has a due time;
 * claiming it takes a lease with a fencing token), step execution with reconciliation before
 * irreversible steps, and a sweeper that resumes stalled workflows. What each outcome does to the
 * workflow (retries with backoff, STALLED, FAILED) is decided in transitions.ts.
 */
export class Engine {
  readonly #running = new Map<string, Promise<void>>();
  /** Workflows claimed again while running: the claimed record to run once the run is done. */
  readonly #claimedAgain = new Map<string, { claimed: WorkflowRecord; claimedAt: number }>();
  #tickTimer: NodeJS.Timeout | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = false;
  readonly #clock: Clock;

  constructor(private readonly deps: EngineDeps) {
    this.#clock = deps.clock ?? systemClock;
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
      const now = this.#clock.now();
      const claimed = await this.deps.store.claimDue(now, free, this.deps.settings.leaseMs, this.deps.instanceId);
      for (const wf of claimed) {
        this.deps.onClaimed?.(wf.id, wf.leaseToken, now + this.deps.settings.leaseMs);
        this.launch(wf, now);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, "scheduler tick failed");
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Runs the workflow `claimed` under its lease. A workflow claimed again while its run is still
   * finishing (due again after a short wait it committed, before the run returned) is run again
   * under the new lease once that run is done: the claim moved its due time to the new lease's
   * expiry, so leaving it would park it until then. The record that claim answered is the one to
   * run: the finishing run's commits were made under the old lease, so the claim fenced them out.
   */
  private launch(claimed: WorkflowRecord, claimedAt: number): void {
    const { id } = claimed;
    if (this.#running.has(id)) {
      this.#claimedAgain.set(id, { claimed, claimedAt });
      return;
    }
    const run = this.run(claimed, claimedAt)
      .catch((err: unknown) => this.deps.logger.error({ err, workflowId: id }, "workflow run failed"))
      .finally(() => {
        this.#running.delete(id);
        const again = this.#claimedAgain.get(id);
        this.#claimedAgain.delete(id);
        if (this.#stopped) return;
        if (again) this.launch(again.claimed, again.claimedAt);
        void this.tick();
      });
    this.#running.set(id, run);
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
      clock: this.#clock,
      noted: {},
    };
  }

  /**
   * Runs a claimed workflow step by step while it can make progress without waiting. The record is
   * the one the claim answered: a transition committed under the lease leaves the stored record
   * equal to `recordAfter`'s, so the next step starts from that rather than from a re-read. A transition
   * `mayFold` allows is not committed on its own but with the next one, in one write, so a run of
   * replayable steps costs one write (a crash before it reruns them from the stored record); each
   * step still gets its own WorkflowEvent once that write is made.
   */
  private async run(claimed: WorkflowRecord, claimedAt: number): Promise<void> {
    const token = claimed.leaseToken;
    let stored = claimed;
    /** The record with the folded steps applied, and those steps, oldest first. */
    let wf = stored;
    let folded: FoldedStep[] = [];
    let leaseFrom = claimedAt;
    for (let n = 0; n < MAX_STEPS_PER_CLAIM && !this.#stopped; n++) {
      if (wf.state !== "CREATED" && wf.state !== "RUNNING") break;
      const result = wf.state === "CREATED" ? undefined : await this.execute(wf);
      const event: EngineEvent = result ? { kind: "step", result } : { kind: "start" };
      const patch = result && "patch" in result ? (result.patch ?? {}) : {};
      const now = this.#clock.now();
      const transition = transitionFor(wf, event, now, this.deps.settings);
      if (!transition) break;
      folded.push({ before: wf, transition, patch });
      const replayable = stepDefinition(wf.type, wf.step)?.replayable ?? false;
      if (mayFold(event, replayable, now - leaseFrom, this.deps.settings.leaseMs)) {
        wf = recordAfter(wf, transition, patch, now) ?? { ...wf, updatedAt: now };
        continue;
      }
      const committed = await this.write(stored, token, folded, now);
      folded = [];
      if (!committed) {
        if (result) {
          this.deps.onStep?.(wf.step, "lease_lost");
          this.deps.onLeaseLost?.(wf.id);
        }
        return;
      }
      if (result && !(result.kind === "next" && result.step !== null)) return;
      stored = wf = committed;
      leaseFrom = now;
    }
    // Stopped or out of steps with steps still folded: they are committed as they stand.
    if (folded.length > 0) await this.write(stored, token, folded, this.#clock.now());
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
          return withNoted(reconciled, ctx.noted);
        }
      }
      const result = await definition.execute(ctx);
      this.deps.onStep?.(wf.step, result.kind);
      return withNoted(result, ctx.noted);
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

  /**
   * Commits what `event` asks of `wf` (transitions.ts decides), under lease `token` or, for ''
   * (sweeper and operator), unfenced, and answers the record as stored now. Undefined when the
   * event is refused in the workflow's state or the write lost (the lease, or the state it was
   * decided in).
   */
  private async commit(
    wf: WorkflowRecord,
    token: number | "",
    event: EngineEvent,
    patch: Progress = {},
  ): Promise<WorkflowRecord | undefined> {
    const now = this.#clock.now();
    const transition = transitionFor(wf, event, now, this.deps.settings);
    return transition && this.write(wf, token, [{ before: wf, transition, patch }], now);
  }

  /**
   * Writes `steps` (transitions made one after another from the stored record `stored`) as one
   * transition, then publishes each step's transition and keeps the record as it now stands.
   * Undefined if the write lost.
   */
  private async write(
    stored: WorkflowRecord,
    token: number | "",
    steps: readonly FoldedStep[],
    now: number,
  ): Promise<WorkflowRecord | undefined> {
    const transition = steps.map((s) => s.transition).reduce(foldTransitions);
    if (!(await this.deps.store.transition(stored.id, token, transition, now))) return undefined;
    const patch = Object.assign({}, ...steps.map((s) => s.patch)) as Progress;
    const next = recordAfter(stored, transition, patch, now) ?? { ...stored, updatedAt: now };
    this.deps.onCommitted?.(next, transition.dueAt);
    for (const step of steps) {
      const after = recordAfter(step.before, step.transition, step.patch, now);
      if (!after) continue;
      this.deps.onTransition({
        workflow: after,
        previousState: step.before.state,
        previousStep: step.before.step,
        patch: step.patch,
        fencingToken: typeof token === "number" ? token : 0,
      });
    }
    return next;
  }

  /** Resumes STALLED workflows after `stallResumeAfterMs`; FAILED after `maxStallCycles` resumes. */
  async sweep(): Promise<void> {
    if (this.#stopped) return;
    const { settings, store } = this.deps;
    try {
      const ids = await store.stalledBefore(this.#clock.now() - settings.stallResumeAfterMs, 100);
      for (const wf of await store.loadMany(ids)) await this.commit(wf, "", { kind: "sweep" });
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, "sweep failed");
    }
  }

  /** Operator retry of a STALLED workflow: attempts reset, due now. */
  async retry(id: string): Promise<"ok" | "not_found" | "not_stalled"> {
    const wf = await this.deps.store.load(id);
    if (!wf) return "not_found";
    return (await this.commit(wf, "", { kind: "retry" })) ? "ok" : "not_stalled";
  }

  /** Operator cancel: FAILED with CANCELLED; the current lease holder is fenced out. */
  async cancel(id: string, reason: string): Promise<"ok" | "not_found" | "terminal"> {
    const wf = await this.deps.store.load(id);
    if (!wf) return "not_found";
    return (await this.commit(wf, "", { kind: "cancel", reason })) ? "ok" : "terminal";
  }
}
