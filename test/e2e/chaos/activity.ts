// When something last happened on a path (a share acknowledged, a relay answer, a workflow step),
// so the chaos run can wait for a path to flow again, or for work to be in flight before a kill.
import { waitFor } from "@gatehouse/testkit";

export class Activity {
  #count = 0;
  #lastAt = 0;

  constructor(readonly name: string) {}

  mark(at = Date.now()): void {
    this.#count += 1;
    this.#lastAt = Math.max(this.#lastAt, at);
  }

  get count(): number {
    return this.#count;
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
}
