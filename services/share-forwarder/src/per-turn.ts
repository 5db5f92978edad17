/**
 * Runs the calls made during one event-loop turn together once the turn's I/O callbacks are done
 * (setImmediate by default). The NATS client writes whatever was queued by the end of a microtask
 * run as one socket write, so publishes started from different sockets' callbacks (each upstream
 * answer arrives on its own connection) would otherwise cost one write each; gathered here they
 * share one. Each call still gets its own result.
 */
export class PerTurn<T, R> {
  #pending: { item: T; resolve: (value: R) => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly run: (item: T) => Promise<R>,
    private readonly schedule: (flush: () => void) => void = setImmediate,
  ) {}

  /** Resolves or rejects as `run(item)` does, once this turn's calls have been started together. */
  call(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) this.schedule(() => this.#flush());
      this.#pending.push({ item, resolve, reject });
    });
  }

  #flush(): void {
    const calls = this.#pending;
    this.#pending = [];
    for (const { item, resolve, reject } of calls) {
      try {
        this.run(item).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    }
  }
}
