import type { Redis } from "@gatehouse/service";

/**
 * A per-sender token bucket kept in Redis, so the limit holds across gateway replicas. The script
 * refills by elapsed time (Redis' clock, so replicas need no synchronised clocks) and takes one token.
 */
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return allowed
`;

export interface SenderRateLimiter {
  allow(sender: string): Promise<boolean>;
}

export class RedisSenderRateLimiter implements SenderRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly rps: number,
    private readonly burst: number,
  ) {
    redis.defineCommand("relayTakeToken", { numberOfKeys: 1, lua: TOKEN_BUCKET });
  }

  async allow(sender: string): Promise<boolean> {
    const take = (this.redis as unknown as { relayTakeToken(key: string, rps: number, burst: number): Promise<number> }).relayTakeToken;
    return (await take.call(this.redis, `relay:rate:${sender}`, this.rps, this.burst)) === 1;
  }
}
