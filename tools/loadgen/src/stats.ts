import { BAD_KINDS, type BadKind, EXPECTED_ERROR, type ShareKind } from "./bad-shares.js";

/** Latency samples kept for percentiles; past this, reservoir sampling keeps a uniform sample of all. */
const RESERVOIR = 50_000;

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (sorted copy); zeros when empty. */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  return { count: values.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] as number };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Counters a run accumulates; all pure bookkeeping, fed by the connections. */
export class Stats {
  submitted = 0;
  readonly submittedByKind: Record<string, number> = {};
  /** Bad shares the situation could not produce yet (no stale job, nothing to replay); a good share went instead. */
  readonly badUnavailable: Record<string, number> = {};
  accepted = 0;
  rejected = 0;
  readonly rejectedByReason: Record<string, number> = {};
  readonly rejectedByKind: Record<string, Record<string, number>> = {};
  /** Answers that contradict the kind sent: a good share rejected, a bad one accepted or refused for another reason. */
  readonly unexpected: Record<string, number> = {};
  /** Shares answered stale-share because a new tip crossed them on the wire (not unexpected: every pool sees these). */
  staleByTipChange = 0;
  unanswered = 0;
  blocksFound = 0;
  blocksAccepted = 0;
  hashes = 0;
  jobs = 0;
  prevHashes = 0;
  setTargets = 0;
  connectionsOpened = 0;
  disconnects = 0;
  readonly connectionErrors: Record<string, number> = {};
  readonly #latencies: number[] = [];
  #latencyCount = 0;

  constructor(private readonly random: () => number = Math.random) {}

  submit(kind: ShareKind): void {
    this.submitted += 1;
    bump(this.submittedByKind, kind);
  }

  unavailable(kind: BadKind): void {
    bump(this.badUnavailable, kind);
  }

  /** One answer: errorCode undefined = accepted; `raced` = stale-share for a share sent before the miner saw the new tip. */
  answer(kind: ShareKind, errorCode: string | undefined, latencyMs: number, raced = false): void {
    this.#recordLatency(latencyMs);
    if (errorCode === undefined) {
      this.accepted += 1;
      if (kind !== "good") bump(this.unexpected, `${kind}_accepted`);
      return;
    }
    this.rejected += 1;
    bump(this.rejectedByReason, errorCode);
    this.rejectedByKind[kind] ??= {};
    bump(this.rejectedByKind[kind] as Record<string, number>, errorCode);
    if (raced) this.staleByTipChange += 1;
    else if (kind === "good") bump(this.unexpected, `good_rejected:${errorCode}`);
    else if (EXPECTED_ERROR[kind] !== errorCode) bump(this.unexpected, `${kind}_rejected:${errorCode}`);
  }

  connectionError(message: string): void {
    // Keyed by message without numbers, so one cause does not spread over many keys.
    bump(this.connectionErrors, message.replace(/\d+/g, "N").slice(0, 120));
  }

  #recordLatency(ms: number): void {
    this.#latencyCount += 1;
    if (this.#latencies.length < RESERVOIR) this.#latencies.push(ms);
    else {
      const slot = Math.floor(this.random() * this.#latencyCount);
      if (slot < RESERVOIR) this.#latencies[slot] = ms;
    }
  }

  latency(): Percentiles {
    return { ...percentiles(this.#latencies), count: this.#latencyCount };
  }

  /** Every bad kind that was sent and answered as expected: a quick pass/fail for a run. */
  badKindsAsExpected(): BadKind[] {
    return BAD_KINDS.filter((k) => (this.rejectedByKind[k]?.[EXPECTED_ERROR[k]] ?? 0) > 0);
  }
}
