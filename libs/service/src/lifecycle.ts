import type { Logger } from "pino";

/**
 * Shutdown runs in three phases, each phase's hooks concurrently:
 * `intake` stops accepting new work (listeners, subscriptions), `drain` finishes what was
 * accepted, `close` releases connections (bus, Redis, the ops server last of all).
 */
export type ShutdownPhase = "intake" | "drain" | "close";
const PHASES: ShutdownPhase[] = ["intake", "drain", "close"];

export type ShutdownHook = () => void | Promise<void>;

export class Lifecycle {
  readonly #hooks: { name: string; phase: ShutdownPhase; hook: ShutdownHook }[] = [];
  readonly #abort = new AbortController();
  #shutdown: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Aborted when shutdown begins; long-running loops should watch it. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  onShutdown(name: string, hook: ShutdownHook, phase: ShutdownPhase = "close"): void {
    this.#hooks.push({ name, phase, hook });
  }

  /** Runs every hook once, phase by phase; later calls return the same promise. */
  shutdown(reason: string): Promise<void> {
    this.#shutdown ??= this.#run(reason);
    return this.#shutdown;
  }

  async #run(reason: string): Promise<void> {
    this.logger.info({ reason }, "shutting down");
    this.#abort.abort(new Error(`shutdown: ${reason}`));
    for (const phase of PHASES) {
      const hooks = this.#hooks.filter((h) => h.phase === phase);
      await Promise.all(
        hooks.map(async ({ name, hook }) => {
          try {
            await hook();
          } catch (err) {
            this.logger.error({ err, hook: name, phase }, "shutdown hook failed");
          }
        }),
      );
    }
  }
}
