import { type Clock, type Redis, RedisScript } from "@gatehouse/service";

const COUNT_IN_WINDOW = new RedisScript(
  "edgeConnRateCount",
  1,
  `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`,
);

/** New connections per source address per second, counted across replicas (fixed one-second windows). */
export class ConnectionRateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly perSecond: number,
    private readonly clock: Clock,
  ) {}

  async allow(address: string): Promise<boolean> {
    const window = Math.floor(this.clock.now() / 1000);
    const count = await COUNT_IN_WINDOW.run(this.redis, [`edge:connrate:${address}:${window}`], [2000]);
    return Number(count) <= this.perSecond;
  }
}
