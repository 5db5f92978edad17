import { type Clock, type Redis, RedisScript, systemClock } from "@gatehouse/service";
import { TokenLease } from "./token-lease.js";

/**
 * A per-sender token bucket kept in Redis, so the limit holds across gateway replicas. The script
 * refills by elapsed time (Redis' clock, so replicas need no synchronised clocks) and takes up to
 * ARGV[3] tokens at once, returning how many it took.
 */
const TAKE_TOKENS = new RedisScript(
  "relayTakeTokens",
  1,
  `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return granted
`,
);

export interface SenderRateLimiter {
  allow(sender: string): Promise<boolean>;
}

interface Waiter {
  resolve: (allowed: boolean) => void;
  reject: (err: Error) => void;
}

/** Tokens taken ahead: what the sender's limit refills in this long. */
const LEASE_WINDOW_MS = 50;
/** How long tokens taken ahead may wait to be spent. */
const LEASE_TTL_MS = 1_000;

/** A sender's leased tokens, and whether a top-up is on its way. */
interface Held {
  lease: TokenLease;
  refilling: boolean;
}

/**
 * Takes tokens from Redis ahead of need, so a request is usually admitted from this replica's lease
 * without a round trip: the lease is topped up in the background when half of it is spent. A
 * request that finds no leased token waits for Redis, where the requests of one event-loop turn
 * take their tokens (plus the next lease) in one script call, granted in arrival order. The lease
 * is what the limit refills in LEASE_WINDOW_MS (none for limits under 20 per second, which then
 * ask Redis for every request), so the replicas together admit no more than the bucket grants and
 * a replica holds at most about one lease of a sender's tokens unspent. Leases are kept per sender,
 * and senders are the configured tokens' (or the one anonymous sender).
 */
export class RedisSenderRateLimiter implements SenderRateLimiter {
  #waiting = new Map<string, Waiter[]>();
  #scheduled = false;
  readonly #held = new Map<string, Held>();
  readonly #ahead: number;

  constructor(
    private readonly redis: Redis,
    private readonly rps: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#ahead = Math.min(Math.floor((rps * LEASE_WINDOW_MS) / 1000), burst);
  }

  allow(sender: string): Promise<boolean> {
    const held = this.#held.get(sender);
    if (held?.lease.take()) {
      if (!held.refilling && held.lease.remaining <= this.#ahead / 2) this.#topUp(sender, held);
      return Promise.resolve(true);
    }
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(sender);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(sender, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #take(sender: string, wanted: number): Promise<number> {
    return TAKE_TOKENS.run(this.redis, [`relay:rate:${sender}`], [this.rps, this.burst, wanted]) as Promise<number>;
  }

  #holding(sender: string): Held {
    let held = this.#held.get(sender);
    if (!held) {
      held = { lease: new TokenLease(LEASE_TTL_MS, this.clock), refilling: false };
      this.#held.set(sender, held);
    }
    return held;
  }

  /** A background top-up; if Redis fails, the next request without a leased token waits for it and reports the failure. */
  #topUp(sender: string, held: Held): void {
    held.refilling = true;
    this.#take(sender, this.#ahead).then(
      (granted) => {
        held.refilling = false;
        held.lease.add(granted);
      },
      () => {
        held.refilling = false;
      },
    );
  }

  #flush(): void {
    const batch = this.#waiting;
    this.#waiting = new Map();
    this.#scheduled = false;
    for (const [sender, waiters] of batch) {
      this.#take(sender, waiters.length + this.#ahead).then(
        (granted) => {
          waiters.forEach((waiter, i) => {
            waiter.resolve(i < granted);
          });
          if (granted > waiters.length) this.#holding(sender).lease.add(granted - waiters.length);
        },
        (err: Error) => {
          for (const waiter of waiters) waiter.reject(err);
        },
      );
    }
  }
}
