import { type Clock, type Logger, systemClock } from "@gatehouse/service";
import type { FinishedWorkflowPruner } from "./ports.js";

export interface RetentionSettings {
  /** COMPLETED/FAILED workflows are deleted this long after they finished. */
  retentionMs: number;
  intervalMs: number;
  /** Deleted per store call; the job loops until a batch comes back short. */
  batchSize: number;
}

/** Name of the job in logs and metrics. */
export const PRUNE_JOB = "prune-finished-workflows";

/**
 * The `prune-finished-workflows` job: every `intervalMs`, deletes finished workflows older than
 * the retention (with their transaction records and dedup keys). Every replica runs it; deletes
 * are idempotent, so replicas racing each other only share the work.
 */
export class RetentionJob {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(
    private readonly store: FinishedWorkflowPruner,
    private readonly settings: RetentionSettings,
    private readonly logger: Logger,
    private readonly onPruned: (count: number) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.runOnce(), this.settings.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** One pass; returns how many workflows it deleted (0 while a pass is already running). */
  runOnce(): Promise<number> {
    if (this.#running) return Promise.resolve(0);
    this.#running = this.pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  private async pass(): Promise<number> {
    const before = this.clock.now() - this.settings.retentionMs;
    let total = 0;
    try {
      for (;;) {
        const pruned = await this.store.pruneFinished(before, this.settings.batchSize);
        total += pruned;
        if (pruned > 0) this.onPruned(pruned);
        if (pruned < this.settings.batchSize) break;
      }
      if (total > 0) this.logger.info({ job: PRUNE_JOB, pruned: total, finishedBefore: before }, "pruned finished workflows");
    } catch (err) {
      this.logger.warn({ job: PRUNE_JOB, err: (err as Error).message, pruned: total }, "pruning finished workflows failed");
    }
    return total;
  }
}
