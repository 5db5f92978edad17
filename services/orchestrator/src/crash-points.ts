import type { Redis } from "@gatehouse/service";

/**
 * Test-only fault injection: at a configured checkpoint the process kills itself with SIGKILL
 * (no shutdown hooks, exactly like `kill -9`). Each point fires once per Redis namespace, so the
 * restarted process runs through it.
 */
export class CrashPoints {
  readonly #points: ReadonlySet<string>;

  constructor(
    points: readonly string[],
    private readonly redis: Pick<Redis, "set">,
    private readonly die: () => void = () => process.kill(process.pid, "SIGKILL"),
  ) {
    this.#points = new Set(points);
  }

  get enabled(): boolean {
    return this.#points.size > 0;
  }

  /**
   * Dies here if any of `names` is a configured point not yet passed. The process is at all of
   * `names` at once (a batch of transactions signed together is past each one's `after_sign`), so
   * a death here passes every one of them: otherwise the restart, which finds those transactions
   * already signed, would never come back to the others.
   */
  async hit(...names: string[]): Promise<void> {
    if (!(await this.#pass(names))) return;
    this.die();
    await new Promise(() => undefined);
  }

  /** Marks each configured point among `names` passed; true if any had not been. */
  async #pass(names: readonly string[]): Promise<boolean> {
    const configured = names.filter((name) => this.#points.has(name));
    const marked = await Promise.all(configured.map((name) => this.redis.set(`crash:${name}`, "1", "NX")));
    return marked.includes("OK");
  }
}
