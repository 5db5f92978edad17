/**
 * Runs a handler for each item one at a time, in arrival order, without an async iterator per
 * subscription: a handler that returns synchronously is followed at once by the next item, and
 * one that returns a promise holds the items behind it until it settles. A handler that throws
 * (or rejects) is reported to `onError` and the next item runs.
 */
export class InOrder<T> {
  readonly #queue: T[] = [];
  #head = 0;
  #busy = false;
  #idle: (() => void)[] = [];

  constructor(
    private readonly handle: (item: T) => void | Promise<void>,
    private readonly onError: (err: unknown, item: T) => void,
  ) {}

  push(item: T): void {
    // Drop the handled head now and then: a queue held up by slow handlers never empties.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#queue.push(item);
    if (!this.#busy) this.#drain();
  }

  /** Resolves once every item pushed so far has been handled. */
  idle(): Promise<void> {
    return this.#busy ? new Promise((resolve) => this.#idle.push(resolve)) : Promise.resolve();
  }

  #drain(): void {
    this.#busy = true;
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head] as T;
      this.#head += 1;
      let result: void | Promise<void>;
      try {
        result = this.handle(item);
      } catch (err) {
        this.onError(err, item);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          () => this.#drain(),
          (err: unknown) => {
            this.onError(err, item);
            this.#drain();
          },
        );
        return;
      }
    }
    this.#queue.length = 0;
    this.#head = 0;
    this.#busy = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
