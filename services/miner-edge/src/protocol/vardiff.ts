import { hashRateFromTarget, hashRateToTarget } from "@gatehouse/bitcoin";

/**
 * SRI's classic vardiff (channels-sv2 vardiff/classic.rs): estimate the channel's hash rate from
 * the shares it found since the last update and retarget toward `sharesPerMinute` when the
 * estimate moved far enough for the time elapsed.
 */
export class Vardiff {
  #since: number;
  #shares = 0;
  #hashRate: number;

  constructor(
    private readonly sharesPerMinute: number,
    target: bigint,
    now: number,
    private readonly minHashRate = 1,
  ) {
    this.#since = now;
    this.#hashRate = Math.max(minHashRate, hashRateFromTarget(target, sharesPerMinute));
  }

  get estimatedHashRate(): number {
    return this.#hashRate;
  }

  recordShare(): void {
    this.#shares += 1;
  }

  /** The new target when an update is due, else undefined. `now` in milliseconds. */
  update(target: bigint, now: number): bigint | undefined {
    const seconds = (now - this.#since) / 1000;
    if (seconds <= 15) return undefined;
    const estimate = this.#hashRate;
    const realized = this.#shares === 0 ? 0 : hashRateFromTarget(target, (this.#shares * 60) / seconds);
    const deltaPct = (Math.abs(realized - estimate) * 100) / estimate;
    const due =
      deltaPct >= 100 ||
      (deltaPct >= 60 && seconds >= 60) ||
      (deltaPct >= 50 && seconds >= 120) ||
      (deltaPct >= 45 && seconds >= 180) ||
      (deltaPct >= 30 && seconds >= 240) ||
      (deltaPct >= 15 && seconds >= 300);
    if (!due) return undefined;
    let next = realized;
    if (this.#shares === 0) next = estimate / (seconds <= 30 ? 1.5 : seconds < 60 ? 2 : 3);
    else if (deltaPct > 1000) next = estimate * (seconds <= 60 ? 10 : seconds <= 120 ? 5 : 3);
    this.#hashRate = Math.max(this.minHashRate, next);
    this.#since = now;
    this.#shares = 0;
    return hashRateToTarget(this.#hashRate, this.sharesPerMinute);
  }
}
