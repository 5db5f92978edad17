import { batchBody, batchTake, batchWebhookId } from "./batch.js";
import type { AttemptOutcome, RawAttempt } from "./classify.js";
import { classifyBatch } from "./classify-batch.js";
import type { UpstreamHealth } from "./health.js";
import type { WebhookHeaders } from "./signing.js";

export interface BatcherOptions {
  /** Shares per batch at most. */
  maxShares: number;
  /** Batch body bytes at most (a single share larger than this still goes, alone). */
  maxBytes: number;
  /** How long the first share of a batch waits for others before the batch goes anyway. */
  maxWaitMs: number;
}

export interface BatcherDeps {
  post(body: Uint8Array, headers: WebhookHeaders): Promise<RawAttempt>;
  sign(id: string, body: Uint8Array, nowMs: number): WebhookHeaders;
  health: UpstreamHealth;
  /** One batch POST, judged as a whole. */
  onAttempt?(outcome: AttemptOutcome, seconds: number, shares: number): void;
  now?(): number;
  /** Runs `run` after `ms`; returns a cancel function. */
  schedule?(run: () => void, ms: number): () => void;
}

interface Waiting {
  eventId: string;
  body: Uint8Array;
  resolve(outcome: AttemptOutcome): void;
}

function defaultSchedule(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}

/**
 * Batch mode's attempts: each share's attempt waits, at most maxWaitMs, to share one signed POST
 * with others (a full batch goes at once), and resolves with that share's own outcome from the
 * batch answer. Retries and backoff stay per share (forwardShare): a retried share simply joins a
 * later batch. The request as a whole feeds the outage detector once, as one per-share POST would.
 */
export class ShareBatcher {
  #waiting: Waiting[] = [];
  #cancelTimer: (() => void) | undefined;
  readonly #schedule: (run: () => void, ms: number) => () => void;

  constructor(
    private readonly options: BatcherOptions,
    private readonly deps: BatcherDeps,
  ) {
    this.#schedule = deps.schedule ?? defaultSchedule;
  }

  /** One attempt for one share, made as part of a batch. Never rejects. */
  attempt(eventId: string, body: Uint8Array): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      this.#waiting.push({ eventId, body, resolve });
      this.#sendFull();
      if (this.#waiting.length > 0 && !this.#cancelTimer) {
        this.#cancelTimer = this.#schedule(() => {
          this.#cancelTimer = undefined;
          this.#sendAll();
        }, this.options.maxWaitMs);
      }
    });
  }

  /** Shares waiting for their batch to go. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Sends every batch that is full: at maxShares, or when the next share would pass maxBytes. */
  #sendFull(): void {
    for (;;) {
      const take = this.#take();
      if (take === this.#waiting.length && take < this.options.maxShares) break;
      void this.#send(this.#waiting.splice(0, take));
    }
    if (this.#waiting.length === 0) this.#stopTimer();
  }

  #sendAll(): void {
    while (this.#waiting.length > 0) void this.#send(this.#waiting.splice(0, this.#take()));
    this.#stopTimer();
  }

  #take(): number {
    return batchTake(
      this.#waiting.map((w) => w.body.length),
      this.options.maxShares,
      this.options.maxBytes,
    );
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  async #send(batch: Waiting[]): Promise<void> {
    if (batch.length === 0) return;
    const ids = batch.map((w) => w.eventId);
    const body = batchBody(batch.map((w) => w.body));
    const started = performance.now();
    let raw: RawAttempt;
    try {
      raw = await this.deps.post(body, this.deps.sign(batchWebhookId(ids), body, (this.deps.now ?? Date.now)()));
    } catch (err) {
      raw = { kind: "error", timeout: false, message: (err as Error).message };
    }
    const verdict = classifyBatch(raw, ids);
    this.deps.onAttempt?.(verdict.request, (performance.now() - started) / 1000, batch.length);
    this.deps.health.record(verdict.request);
    for (const [i, w] of batch.entries()) w.resolve(verdict.shares[i] as AttemptOutcome);
  }
}
