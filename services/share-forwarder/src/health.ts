import type { AttemptOutcome } from "./classify.js";

/**
 * Whether the pool backend is reachable, from the attempts themselves: `threshold` consecutive
 * connection errors, timeouts or 5xx mark it down; any well-formed answer (even a 4xx or a 429)
 * marks it up again.
 */
export class UpstreamHealth {
  #consecutive = 0;
  #failingSince: number | undefined;
  #down = false;

  constructor(
    private readonly threshold: number,
    private readonly onChange: (down: boolean) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  record(outcome: AttemptOutcome): void {
    if (outcome.kind === "transient" && outcome.unreachable) {
      this.#consecutive += 1;
      this.#failingSince ??= this.now();
      if (!this.#down && this.#consecutive >= this.threshold) this.#set(true);
      return;
    }
    this.#consecutive = 0;
    this.#failingSince = undefined;
    if (this.#down) this.#set(false);
  }

  #set(down: boolean): void {
    this.#down = down;
    this.onChange(down);
  }

  get down(): boolean {
    return this.#down;
  }

  /** Milliseconds the upstream has been unreachable (0 when up). */
  unreachableForMs(): number {
    return this.#down && this.#failingSince !== undefined ? this.now() - this.#failingSince : 0;
  }

  /** The /readyz probe: not ready once unreachable for `unreadyAfterMs`. */
  probe(unreadyAfterMs: number): { ok: boolean; reason?: string } {
    const ms = this.unreachableForMs();
    return ms >= unreadyAfterMs ? { ok: false, reason: `share upstream unreachable for ${Math.round(ms / 1000)} s` } : { ok: true };
  }
}
