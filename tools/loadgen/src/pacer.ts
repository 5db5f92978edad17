/**
 * Paces submissions at `rate` per second. A connection that fell behind (its hashing took longer
 * than an interval) sends at most `burst` shares back to back instead of flooding the edge with
 * everything it missed. Rate 0 means no pacing. Times in milliseconds.
 */
export class Pacer {
  #due: number;
  readonly #intervalMs: number;

  constructor(
    readonly rate: number,
    now: number,
    private readonly burst = 2,
  ) {
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst ${burst} must be an integer ≥ 1`);
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate ${rate} must be a finite number ≥ 0`);
    this.#intervalMs = rate > 0 ? 1000 / rate : 0;
    this.#due = now;
  }

  /** Milliseconds until the next submission may go out (0 = now). */
  delayMs(now: number): number {
    return Math.max(0, this.#due - now);
  }

  /** Records a submission made at `now` and schedules the next one. */
  taken(now: number): void {
    if (this.#intervalMs === 0) return;
    // Never earlier than what `burst` shares in a row (this one included) starting now allows.
    this.#due = Math.max(this.#due + this.#intervalMs, now - (this.burst - 2) * this.#intervalMs);
  }
}
