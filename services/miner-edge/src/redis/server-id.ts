import { type Redis, RedisScript } from "@gatehouse/service";

const REFRESH_IF_MINE = new RedisScript(
  "edgeServerIdRefresh",
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
);

const RELEASE_IF_MINE = new RedisScript(
  "edgeServerIdRelease",
  1,
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);

/** Every id tried in one claim was held by another live replica. */
export class ServerIdExhaustedError extends Error {
  override readonly name = "ServerIdExhaustedError";
}

/**
 * A 16-bit id no other live edge replica holds (SRI's server_id idea), leased in Redis and
 * refreshed; it becomes the first two bytes of every extranonce prefix this replica hands out.
 */
export class ServerIdLease {
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly redis: Redis,
    readonly id: number,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  static async claim(redis: Redis, holder: string, ttlMs = 30_000, onLost: () => void = () => {}): Promise<ServerIdLease> {
    for (let attempt = 0; attempt < 256; attempt++) {
      const id = (await redis.incr("edge:server-id:next")) % 0x10000;
      if ((await redis.set(`edge:server-id:${id}`, holder, "PX", ttlMs, "NX")) === "OK") {
        const lease = new ServerIdLease(redis, id, holder, ttlMs);
        lease.#timer = setInterval(() => {
          lease.refresh().then(
            (held) => held || onLost(),
            () => {},
          );
        }, ttlMs / 3);
        lease.#timer.unref();
        return lease;
      }
    }
    throw new ServerIdExhaustedError("no free edge server id in 256 attempts");
  }

  async refresh(): Promise<boolean> {
    return (await REFRESH_IF_MINE.run(this.redis, [`edge:server-id:${this.id}`], [this.holder, this.ttlMs])) === 1;
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    await RELEASE_IF_MINE.run(this.redis, [`edge:server-id:${this.id}`], [this.holder]);
  }
}
