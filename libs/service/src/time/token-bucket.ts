import type { Clock } from "./clock.js";

export class TokenBucketConfigError extends Error {
  override name = "TokenBucketConfigError";
}

/**
 * A token bucket: `ratePerSecond` tokens refilled a second, at most `burst` saved, starting full.
 * Never blocks: `take` answers at once whether the tokens were there.
 */
export class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0)) throw new TokenBucketConfigError(`token rate must be positive, got ${ratePerSecond}`);
    if (!(burst > 0)) throw new TokenBucketConfigError(`token burst must be positive, got ${burst}`);
    this.#tokens = burst;
    this.#updatedAt = clock.now();
  }

  /** Takes `count` tokens if they are there; false (taking none) if not. */
  take(count = 1): boolean {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.ratePerSecond);
    this.#updatedAt = now;
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }
}
