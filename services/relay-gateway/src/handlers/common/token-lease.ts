import type { Clock } from "@gatehouse/service";

/**
 * Tokens this replica has already taken from a sender's shared bucket and may spend without asking
 * Redis. Every token spent was granted by Redis first, so the replicas together never admit more
 * than the bucket grants; a lease only lets a replica spend a grant later, until it expires (unused
 * tokens are then lost, which is stricter, never looser).
 */
export class TokenLease {
  #tokens = 0;
  #expiresAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** Tokens left to spend now. */
  get remaining(): number {
    return this.clock.now() < this.#expiresAt ? this.#tokens : 0;
  }

  /** Spends one token, if the lease still holds one. */
  take(): boolean {
    if (this.remaining === 0) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Adds tokens just granted; the lease then lasts `ttlMs` from now. */
  add(tokens: number): void {
    if (tokens <= 0) return;
    this.#tokens = this.remaining + tokens;
    this.#expiresAt = this.clock.now() + this.ttlMs;
  }
}
