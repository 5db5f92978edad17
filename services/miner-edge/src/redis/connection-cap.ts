import { type Redis, RedisScript } from "@gatehouse/service";

/**
 * One hash per source address: field `<replica>` = that replica's open connections from it,
 * field `@<replica>` = when its lease on that count ends (Redis clock, ms). A replica that stops
 * renewing (crashed) is dropped from the sum once its lease ends, so its connections stop
 * counting without anyone cleaning up after it.
 */
const LIVE_TOTAL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fields = redis.call('HGETALL', KEYS[1])
local counts, leases = {}, {}
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 1) == '@' then leases[string.sub(f, 2)] = tonumber(fields[i + 1])
  else counts[f] = tonumber(fields[i + 1]) end
end
local total = 0
for replica, n in pairs(counts) do
  local lease = leases[replica]
  if lease and lease >= now then total = total + n
  else redis.call('HDEL', KEYS[1], replica, '@' .. replica) end
end
`;

/** Takes a place if the live total is below the cap: 1, else 0. KEYS[1] address; ARGV replica, cap, lease ms. */
const ACQUIRE = new RedisScript(
  "edgeConnsAcquire",
  1,
  `${LIVE_TOTAL}
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[1], '@' .. ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
);

const RELEASE = new RedisScript(
  "edgeConnsRelease",
  1,
  `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1], '@' .. ARGV[1]) end
return n`,
);

/** Sets this replica's count to what it really holds and extends its lease. ARGV replica, count, lease ms. */
const RENEW = new RedisScript(
  "edgeConnsRenew",
  1,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], '@' .. ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
);

const TOTAL = new RedisScript(
  "edgeConnsTotal",
  1,
  `${LIVE_TOTAL}
return total`,
);

/**
 * The per-address cap on open connections, shared by every edge replica on the same Redis key
 * prefix: each acquire is one script, so replicas racing for the last place see exactly one
 * success. Each replica renews its counts every lease/3 with what it really holds, which also
 * corrects any drift (a release lost with Redis down, a connection admitted without Redis).
 */
export class SharedConnectionCap {
  constructor(
    private readonly redis: Redis,
    private readonly replica: string,
    private readonly perAddress: number,
    readonly leaseMs: number,
  ) {
    RENEW.defineOn(redis);
  }

  #key(address: string): string {
    return `edge:conns:${address}`;
  }

  /** True when `address` had fewer than the cap open across all live replicas; the place is then taken. */
  async acquire(address: string): Promise<boolean> {
    const taken = await ACQUIRE.run(this.redis, [this.#key(address)], [this.replica, this.perAddress, this.leaseMs]);
    return taken === 1;
  }

  async release(address: string): Promise<void> {
    await RELEASE.run(this.redis, [this.#key(address)], [this.replica]);
  }

  /** Restates this replica's open connections per address and extends its leases, in one round trip. */
  async renew(counts: Iterable<[string, number]>): Promise<void> {
    const pipeline = this.redis.pipeline();
    let n = 0;
    for (const [address, count] of counts) {
      RENEW.queue(pipeline, [this.#key(address)], [this.replica, count, this.leaseMs]);
      n += 1;
    }
    if (n > 0) await pipeline.exec();
  }

  /** Open connections from `address` across live replicas. */
  async total(address: string): Promise<number> {
    return Number(await TOTAL.run(this.redis, [this.#key(address)]));
  }
}
