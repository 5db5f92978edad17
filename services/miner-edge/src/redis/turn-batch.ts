/** Runs a callback once the current turn of the event loop is over (setImmediate in production). */
export type ScheduleTurnEnd = (run: () => void) => void;

const afterThisTurn: ScheduleTurnEnd = (run) => {
  setImmediate(run);
};

/**
 * Gathers the requests made during one turn of the event loop and answers them with one call:
 * under load a turn decodes many frames, so a per-request round trip (and its command encoding
 * and socket write) becomes one per turn, while a lone request still leaves at the end of its
 * turn. Answers come back in request order; if the call fails, every request in it fails.
 */
export class TurnBatch<Q, A> {
  #pending: { request: Q; resolve: (answer: A) => void; reject: (err: unknown) => void }[] = [];
  #scheduled = false;

  constructor(
    /** Answers `requests` in the same order (one call per batch). */
    private readonly answerAll: (requests: Q[]) => Promise<A[]>,
    private readonly maxBatch: number,
    private readonly schedule: ScheduleTurnEnd = afterThisTurn,
  ) {}

  ask(request: Q): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
      if (this.#pending.length >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        this.schedule(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const failAll = (err: unknown) => {
      for (const p of batch) p.reject(err);
    };
    let call: Promise<A[]>;
    try {
      call = this.answerAll(batch.map((p) => p.request));
    } catch (err) {
      // Thrown before any promise existed (from a timer callback it would crash the process).
      failAll(err);
      return;
    }
    call.then((answers) => {
      if (answers.length !== batch.length) {
        failAll(new TurnBatchAnswerError(`${batch.length} requests got ${answers.length} answers`));
        return;
      }
      for (let i = 0; i < batch.length; i++) batch[i]?.resolve(answers[i] as A);
    }, failAll);
  }
}

/** A batch call answered a different number of requests than it was asked. */
export class TurnBatchAnswerError extends Error {
  override readonly name = "TurnBatchAnswerError";
}
