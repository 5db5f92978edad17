import { type Redis, RedisScript } from "@gatehouse/service";

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

/**
 * Asks Redis once per sender per event-loop turn: the requests that arrived in the same turn take
 * their tokens in one script call, granted in arrival order, exactly as many one-token calls in
 * that order would be. The turn's batch is bounded by the requests the HTTP server holds open.
 */
export class RedisSenderRateLimiter implements SenderRateLimiter {
  #waiting = new Map<string, Waiter[]>();
  #scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly rps: number,
    private readonly burst: number,
  ) {}

  allow(sender: string): Promise<boolean> {
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

  #flush(): void {
    const batch = this.#waiting;
    this.#waiting = new Map();
    this.#scheduled = false;
    for (const [sender, waiters] of batch) {
      (TAKE_TOKENS.run(this.redis, [`relay:rate:${sender}`], [this.rps, this.burst, waiters.length]) as Promise<number>).then(
        (granted) => {
          waiters.forEach((waiter, i) => {
            waiter.resolve(i < granted);
          });
        },
        (err: Error) => {
          for (const waiter of waiters) waiter.reject(err);
        },
      );
    }
  }
}
