import { type SearchGoal, searchNonces } from "./header.js";

export interface SearchResult {
  nonce: number;
  hash: Buffer;
}

interface Task {
  header: Buffer;
  goal: SearchGoal;
  next: number;
  /** Nonces left before the space is exhausted. */
  remaining: number;
  resolve(result: SearchResult | undefined): void;
}

/** Nonces per task per turn of the round robin: small enough to interleave, large enough to amortize. */
const CHUNK = 128;

/**
 * Shares one thread's hashing among every connection's search. Each tick hashes round-robin for
 * at most `sliceMs`, then yields to the event loop, so share answers are read (and their latency
 * measured) within one slice however many connections are mining.
 */
export class HashScheduler {
  readonly #tasks = new Set<Task>();
  #scheduled = false;
  #stopped = false;
  hashes = 0;

  constructor(private readonly sliceMs = 2) {}

  get searching(): number {
    return this.#tasks.size;
  }

  /**
   * Searches `header` from nonce `from`; resolves with the first match, or undefined when the
   * nonce space is exhausted or the search is cancelled. `cancel` stops it without a result.
   */
  search(header: Buffer, goal: SearchGoal, from: number): { result: Promise<SearchResult | undefined>; cancel(): void } {
    let task: Task | undefined;
    const result = new Promise<SearchResult | undefined>((resolve) => {
      task = { header, goal, next: from >>> 0, remaining: 2 ** 32, resolve };
    });
    const t = task as Task;
    if (this.#stopped) t.resolve(undefined);
    else {
      this.#tasks.add(t);
      this.#schedule();
    }
    return {
      result,
      cancel: () => {
        if (this.#tasks.delete(t)) t.resolve(undefined);
      },
    };
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#tasks) t.resolve(undefined);
    this.#tasks.clear();
  }

  #schedule(): void {
    if (this.#scheduled || this.#tasks.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#tick());
  }

  #tick(): void {
    this.#scheduled = false;
    const deadline = performance.now() + this.sliceMs;
    while (this.#tasks.size > 0 && performance.now() < deadline) {
      for (const t of this.#tasks) {
        const count = Math.min(CHUNK, t.remaining);
        const found = searchNonces(t.header, t.next, count, t.goal);
        const tried = found?.tried ?? count;
        this.hashes += tried;
        t.next = (t.next + tried) >>> 0;
        t.remaining -= tried;
        if (found) {
          this.#tasks.delete(t);
          // The header buffer is reused by the next search; the hash is already a fresh buffer.
          t.resolve({ nonce: found.nonce, hash: found.hash });
        } else if (t.remaining <= 0) {
          this.#tasks.delete(t);
          t.resolve(undefined);
        }
      }
    }
    this.#schedule();
  }
}
