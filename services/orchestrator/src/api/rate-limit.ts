import type { Clock } from "@gatehouse/service";

/**
 * Sliding-window request limits per client and route class. The number of tracked clients is
 * bounded: the least recently seen client is forgotten first.
 */
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly maxClients = 10_000,
  ) {}

  /** Records a request; false when the client is over its limit for the window. */
  allow(client: string): boolean {
    if (this.limit <= 0) return true;
    const now = this.clock.now();
    const recent = (this.#hits.get(client) ?? []).filter((t) => now - t < this.windowMs);
    this.#hits.delete(client);
    if (recent.length >= this.limit) {
      this.#hits.set(client, recent);
      return false;
    }
    recent.push(now);
    this.#hits.set(client, recent);
    if (this.#hits.size > this.maxClients) this.#hits.delete(this.#hits.keys().next().value as string);
    return true;
  }
}
