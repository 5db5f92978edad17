import { MempoolView } from "@gatehouse/proto/mining/v1";
import type { MempoolSnapshot } from "./policy/verify.js";

export interface MempoolViewTimings {
  /** A snapshot older than this is stale. */
  staleAfterMs: number;
  /** Older than this (or none yet) is degraded: the Class M check is skipped. */
  degradedAfterMs: number;
}

export interface MempoolPoll {
  /** When the poll's request left: the node's answer reflects its mempool at this time or later. */
  atMs: number;
  txCount: number;
  txids: ReadonlySet<string>;
}

/** The Fresh → Stale → Degraded view of the mempool by the age of the last successful poll (ReserveGrid OS policy.rs's mempool freshness step). */
export function mempoolViewAt(last: MempoolPoll | undefined, nowMs: number, timings: MempoolViewTimings): MempoolView {
  if (!last) return MempoolView.degraded;
  const age = nowMs - last.atMs;
  if (age <= timings.staleAfterMs) return MempoolView.fresh;
  if (age <= timings.degradedAfterMs) return MempoolView.stale;
  return MempoolView.degraded;
}

export function mempoolSnapshot(last: MempoolPoll | undefined, nowMs: number, timings: MempoolViewTimings): MempoolSnapshot {
  const view = mempoolViewAt(last, nowMs, timings);
  if (view === MempoolView.degraded || !last) return { view, txCount: undefined, txids: undefined };
  return { view, txCount: last.txCount, txids: last.txids };
}

/** Readiness of the mempool view: a successful poll no older than `maxAgeMs`. */
export function mempoolReadiness(ageMs: number, maxAgeMs: number): { ok: boolean; reason?: string } {
  return ageMs <= maxAgeMs ? { ok: true } : { ok: false, reason: "no successful mempool poll recently" };
}

/** The last successful mempool poll of the source that has a mempool (none: always degraded). */
export class MempoolTracker {
  #last: MempoolPoll | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly poller: (() => Promise<MempoolPoll>) | undefined,
    private readonly timings: MempoolViewTimings,
    private readonly onPoll: (outcome: "ok" | "error", err?: Error) => void,
  ) {}

  get enabled(): boolean {
    return this.poller !== undefined;
  }

  /** Polls once (joining a poll already under way); a failure keeps the last snapshot, which then ages towards degraded. */
  poll(): Promise<void> {
    this.#inFlight ??= this.#pollOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #pollOnce(): Promise<void> {
    if (!this.poller) return;
    try {
      this.#last = await this.poller();
      this.onPoll("ok");
    } catch (err) {
      this.onPoll("error", err as Error);
    }
  }

  /** Whether `freshAsOf(atMs)` has nothing to wait for: no mempool is polled, or the snapshot is that new. */
  isFreshAsOf(atMs: number): boolean {
    return !this.poller || (this.#last?.atMs ?? Number.NEGATIVE_INFINITY) >= atMs;
  }

  /**
   * Polls until the snapshot is at least as new as `atMs` (a template's creation time): a
   * template built after the last poll would otherwise carry transactions the view has not seen
   * yet, and fail the Class M check falsely. A poll already under way is joined, but one that
   * started before `atMs` cannot show what entered the mempool after it started, so then one more
   * poll follows. Two polls at most: a failing backend leaves the old snapshot.
   */
  async refreshAsOf(atMs: number): Promise<void> {
    for (let polls = 0; polls < 2 && !this.isFreshAsOf(atMs); polls++) await this.poll();
  }

  /** `refreshAsOf`, waiting at most `maxWaitMs`; then the verdict is decided with the snapshot there is. */
  async freshAsOf(atMs: number, maxWaitMs: number): Promise<void> {
    if (this.isFreshAsOf(atMs)) return;
    // Bounded: a slow or failing mempool backend must not hold verdicts back (prevhash timeouts are tight).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.refreshAsOf(atMs), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
  }

  snapshot(nowMs: number): MempoolSnapshot {
    return mempoolSnapshot(this.#last, nowMs, this.timings);
  }

  view(nowMs: number): MempoolView {
    return mempoolViewAt(this.#last, nowMs, this.timings);
  }

  /** Milliseconds since the last successful poll (infinite before the first). */
  ageMs(nowMs: number): number {
    return this.#last ? nowMs - this.#last.atMs : Number.POSITIVE_INFINITY;
  }
}
