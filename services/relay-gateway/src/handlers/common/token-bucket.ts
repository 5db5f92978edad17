import type { Clock } from "./clock.js";

/** An in-process token bucket (x/time/rate style): `rps` tokens a second, at most `burst` saved. */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly rps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(rps > 0)) throw new Error("RPS values must be positive");
    if (!(burst > 0)) throw new Error("burst values must be positive");
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  /** Takes a token if one is available; never blocks. */
  allow(): boolean {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.rps);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
