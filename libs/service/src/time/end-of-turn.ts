/**
 * Runs the work deferred during one event-loop turn together once the turn's I/O callbacks are
 * done (setImmediate by default): the one way services coalesce their NATS writes. The NATS
 * client writes whatever was queued by the end of a microtask run as one socket write, so
 * publishes and acks started from different callbacks (each upstream answer arriving on its own
 * connection, each bus message in its own microtask) would otherwise cost one write each;
 * deferred here, a turn's publishes share one. Each call keeps its own outcome.
 */
export class EndOfTurn {
  #queued: (() => void)[] = [];

  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly schedule: (run: () => void) => void = setImmediate,
  ) {}

  /** Runs `work` at the end of this turn; a throw goes to `onError`. */
  defer(work: () => void): void {
    if (this.#queued.length === 0) this.schedule(() => this.#runAll());
    this.#queued.push(work);
  }

  /** Starts `work` at the end of this turn; settles as the promise it returns does. */
  call<R>(work: () => Promise<R>): Promise<R> {
    return new Promise((resolve, reject) => {
      this.defer(() => {
        try {
          work().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Runs the work deferred so far now, rather than at the end of the turn (a shutdown's last publishes). */
  flush(): void {
    this.#runAll();
  }

  #runAll(): void {
    const queued = this.#queued;
    this.#queued = [];
    for (const work of queued) {
      try {
        work();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
