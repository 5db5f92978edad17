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
    private readonly redis: Redis,
  ) {
    this.#points = new Set(points);
  }

  get enabled(): boolean {
    return this.#points.size > 0;
  }

  async hit(name: string): Promise<void> {
    if (!this.#points.has(name)) return;
    if ((await this.redis.set(`crash:${name}`, "1", "NX")) !== "OK") return;
    process.kill(process.pid, "SIGKILL");
    await new Promise(() => undefined);
  }
}
