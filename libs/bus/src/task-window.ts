/**
 * At most `limit` tasks running at once: `room()` resolves when one more may start, `run` starts it,
 * `idle()` resolves once none is left. Running tasks are counted, not kept: a long-lived Set whose
 * entries come and go reallocates its table every few entries, in V8's old generation once the
 * first table got there, and each replaced table keeps the promises it held (and everything their
 * tasks hold) alive through young-generation collections until they are promoted.
 */
export class TaskWindow {
  #running = 0;
  /** Called whenever a task settles: `room` waiting for space, `idle` waiting for none. */
  #onSettled: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a task window holds at least one task (got ${limit})`);
  }

  get running(): number {
    return this.#running;
  }

  /** Resolves once fewer than `limit` tasks are running. */
  async room(): Promise<void> {
    while (this.#running >= this.limit) await this.#nextSettled();
  }

  /** Resolves once every task started has settled. */
  async idle(): Promise<void> {
    while (this.#running > 0) await this.#nextSettled();
  }

  /**
   * Starts `task` and counts it until it settles. The window does not wait for room itself (await
   * `room()` first) and does not report failures: a task handles its own errors, as one that
   * rejects is only counted out.
   */
  run(task: () => Promise<unknown>): void {
    this.#running += 1;
    let started: Promise<unknown>;
    try {
      started = task();
    } catch (err) {
      started = Promise.reject(err);
    }
    started.then(
      () => this.#settled(),
      () => this.#settled(),
    );
  }

  #nextSettled(): Promise<void> {
    return new Promise((resolve) => this.#onSettled.push(resolve));
  }

  #settled(): void {
    this.#running -= 1;
    if (this.#onSettled.length === 0) return;
    const waiting = this.#onSettled;
    this.#onSettled = [];
    for (const resolve of waiting) resolve();
  }
}
