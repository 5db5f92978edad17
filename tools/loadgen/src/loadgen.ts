import { EventEmitter } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { targetToDifficulty } from "@gatehouse/bitcoin";
import { decodeAuthorityPublicKey } from "@gatehouse/sv2";
import { AuthorityKeyError } from "./errors.js";
import type { Emit, LoadgenEvents } from "./events.js";
import { DEFAULT_VERSION_MASK, SimulatedMiner } from "./miner.js";
import { DEFAULTS, type LoadgenOptions } from "./options.js";
import { HashScheduler } from "./scheduler.js";
import { type Percentiles, Stats } from "./stats.js";

export interface StartOptions extends Partial<Omit<LoadgenOptions, "host" | "port">> {
  host: string;
  port: number;
  /** Handshakes in progress at once (10,000 connections do not all handshake at the same instant). */
  connectConcurrency?: number;
  /** Bytes the miner rolls on an extended channel (OpenExtendedMiningChannel.min_extranonce_size). */
  minExtranonceSize?: number;
  versionMask?: number;
  /** Identity of connection i; default `<worker>.<i>`. */
  identityOf?: (index: number) => string;
  random?: () => number;
}

export interface LoadgenReport {
  elapsedS: number;
  connections: { configured: number; connected: number; opened: number; disconnects: number; errors: Record<string, number> };
  hashes: number;
  hashesPerSecond: number;
  submitted: number;
  submittedByKind: Record<string, number>;
  badUnavailable: Record<string, number>;
  accepted: number;
  acceptedPerSecond: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  rejectedByKind: Record<string, Record<string, number>>;
  unexpected: Record<string, number>;
  staleByTipChange: number;
  unanswered: number;
  inFlight: number;
  ackLatencyMs: Percentiles;
  blocksFound: number;
  blocksAccepted: number;
  jobs: number;
  prevHashChanges: number;
  setTargets: number;
  /** Channel difficulties now (min/max over connected channels). */
  difficulty: { min: number; max: number } | null;
}

/**
 * Reads the authority key: a base58check string, or a path to a file holding one (such as
 * `.dev/authority.pub`). Throws AuthorityKeyError, naming both readings, when neither works.
 */
export function resolveAuthorityKey(keyOrPath: string): { base58: string; xOnly: Uint8Array } {
  const trimmed = keyOrPath.trim();
  const looksLikePath = /[/\\]|\.pub$|\.txt$/.test(trimmed) || existsSync(trimmed);
  const text = looksLikePath ? readFileSync(trimmed, "utf8").trim() : trimmed;
  try {
    return { base58: text, xOnly: decodeAuthorityPublicKey(text) };
  } catch (err) {
    throw new AuthorityKeyError(
      `authority key ${looksLikePath ? `in ${trimmed} ` : ""}is not a base58check authority public key: ${(err as Error).message}`,
    );
  }
}

function limiter(concurrency: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}

/** A running load generator: its miners, counters and events. */
export class Loadgen {
  readonly miners: SimulatedMiner[];
  readonly stats: Stats;
  readonly #events = new EventEmitter();
  readonly #scheduler = new HashScheduler();
  readonly #startedAt = performance.now();
  readonly #running: Promise<void>;
  #stopped: Promise<LoadgenReport> | undefined;
  #durationTimer: NodeJS.Timeout | undefined;

  constructor(options: StartOptions) {
    const random = options.random ?? Math.random;
    this.stats = new Stats(random);
    this.#events.setMaxListeners(0);
    const authority = options.plaintext ? undefined : resolveAuthorityKey(options.authorityKey ?? "").xOnly;
    const worker = options.worker ?? DEFAULTS.worker;
    const connectSlot = limiter(options.connectConcurrency ?? 32);
    const emit: Emit = (event, payload) => {
      this.#events.emit(event, payload);
    };
    const count = options.connections ?? DEFAULTS.connections;
    this.miners = Array.from(
      { length: count },
      (_, index) =>
        new SimulatedMiner(
          {
            index,
            identity: options.identityOf?.(index) ?? `${worker}.${index}`,
            host: options.host,
            port: options.port,
            authority,
            plaintext: options.plaintext ?? false,
            extended: options.extended ?? false,
            minExtranonceSize: options.minExtranonceSize ?? 4,
            rate: options.rate ?? DEFAULTS.rate,
            bad: options.bad ?? {},
            window: options.window ?? DEFAULTS.window,
            reconnect: options.reconnect ?? true,
            nominalHashRate: options.nominalHashRate ?? DEFAULTS.nominalHashRate,
            ackTimeoutMs: options.ackTimeoutMs ?? DEFAULTS.ackTimeoutMs,
            versionMask: options.versionMask ?? DEFAULT_VERSION_MASK,
          },
          { stats: this.stats, scheduler: this.#scheduler, connectSlot, random, emit },
        ),
    );
    this.#running = Promise.all(this.miners.map((m) => m.run())).then(() => undefined);
    const durationS = options.durationS ?? 0;
    if (durationS > 0) {
      this.#durationTimer = setTimeout(() => void this.stop(), durationS * 1000);
    }
  }

  on<K extends keyof LoadgenEvents>(event: K, listener: LoadgenEvents[K]): this {
    this.#events.on(event, listener);
    return this;
  }

  off<K extends keyof LoadgenEvents>(event: K, listener: LoadgenEvents[K]): this {
    this.#events.off(event, listener);
    return this;
  }

  /** Resolves once every miner has finished (after stop(), or a run with reconnect off whose connections all ended). */
  get finished(): Promise<void> {
    return this.#running;
  }

  report(): LoadgenReport {
    const s = this.stats;
    const elapsedS = (performance.now() - this.#startedAt) / 1000;
    s.hashes = this.#scheduler.hashes;
    const difficulties = this.miners.flatMap((m) => (m.connected && m.target ? [targetToDifficulty(m.target)] : []));
    return {
      elapsedS: round(elapsedS, 2),
      connections: {
        configured: this.miners.length,
        connected: this.miners.filter((m) => m.connected).length,
        opened: s.connectionsOpened,
        disconnects: s.disconnects,
        errors: { ...s.connectionErrors },
      },
      hashes: s.hashes,
      hashesPerSecond: Math.round(s.hashes / Math.max(elapsedS, 1e-3)),
      submitted: s.submitted,
      submittedByKind: { ...s.submittedByKind },
      badUnavailable: { ...s.badUnavailable },
      accepted: s.accepted,
      acceptedPerSecond: round(s.accepted / Math.max(elapsedS, 1e-3), 2),
      rejected: s.rejected,
      rejectedByReason: { ...s.rejectedByReason },
      rejectedByKind: structuredClone(s.rejectedByKind),
      unexpected: { ...s.unexpected },
      staleByTipChange: s.staleByTipChange,
      unanswered: s.unanswered,
      inFlight: this.miners.reduce((n, m) => n + m.pending, 0),
      ackLatencyMs: roundedLatency(s.latency()),
      blocksFound: s.blocksFound,
      blocksAccepted: s.blocksAccepted,
      jobs: s.jobs,
      prevHashChanges: s.prevHashes,
      setTargets: s.setTargets,
      difficulty: difficulties.length === 0 ? null : { min: Math.min(...difficulties), max: Math.max(...difficulties) },
    };
  }

  /**
   * Stops submitting, waits up to `drainMs` for answers to shares already sent, then closes every
   * connection and resolves with the final report. Idempotent.
   */
  stop(drainMs = 2000): Promise<LoadgenReport> {
    this.#stopped ??= (async () => {
      clearTimeout(this.#durationTimer);
      for (const m of this.miners) m.quiesce();
      this.#scheduler.stop();
      const deadline = performance.now() + drainMs;
      while (performance.now() < deadline && this.miners.some((m) => m.pending > 0)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const m of this.miners) m.close();
      await this.#running;
      return this.report();
    })();
    return this.#stopped;
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function roundedLatency(p: Percentiles): Percentiles {
  return { count: p.count, p50: round(p.p50, 3), p90: round(p.p90, 3), p99: round(p.p99, 3), max: round(p.max, 3) };
}

/** Starts `connections` simulated miners against the edge at host:port. */
export function startLoadgen(options: StartOptions): Loadgen {
  return new Loadgen(options);
}
