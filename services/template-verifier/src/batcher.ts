/**
 * Collects items and hands them over together on the next macrotask (or at once when `maxBatch` is
 * reached). Verdicts published in one synchronous run leave in one socket write: the NATS client
 * flushes on a microtask, and the bus delivers proposals one microtask apart, so publishing each
 * verdict as it is decided costs one write syscall apiece.
 */
export class Batcher<T> {
  #items: T[] = [];
  #scheduled = false;

  constructor(
    private readonly maxBatch: number,
    private readonly flush: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.maxBatch) {
      this.drain();
      return;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Hands over whatever is pending now. */
  drain(): void {
    this.#scheduled = false;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.flush(items);
  }
}
