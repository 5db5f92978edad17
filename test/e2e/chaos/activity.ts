// When something happened on a path (a share acknowledged, a relay answer, a workflow step), so
// the chaos run can wait for a path to flow again, or for work to be in flight before a kill, and
// measure the longest pause a kill caused.
import { waitFor } from "@gatehouse/testkit";

export class Activity {
  /** Every occurrence, in order (a run has a few thousand). */
  readonly #at: number[] = [];
  #lastAt = 0;

  constructor(readonly name: string) {}

  mark(at = Date.now()): void {
    this.#at.push(at);
    this.#lastAt = Math.max(this.#lastAt, at);
  }

  get count(): number {
    return this.#at.length;
  }

  get lastAt(): number {
    return this.#lastAt;
  }

  /** Resolves at the first occurrence later than `since` (ms since the epoch). */
  async after(since: number, timeoutMs: number): Promise<number> {
    return waitFor(() => (this.#lastAt > since ? this.#lastAt : undefined), {
      timeoutMs,
      intervalMs: 20,
      description: `${this.name} after ${new Date(since).toISOString()}`,
    });
  }

  /** The longest time without an occurrence that overlaps [from, to]: the pause a fault then caused. */
  longestPause(from: number, to: number): number {
    const times = [...this.#at].sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < times.length; i++) {
      const start = times[i - 1] as number;
      const end = times[i] as number;
      if (end >= from && start <= to) longest = Math.max(longest, end - start);
    }
    return longest;
  }
}
