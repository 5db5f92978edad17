import { type Redis, RedisScript } from "@gatehouse/service";

// Count-based FIFO window (ReserveGrid OS's share_dedup_window_size): a set for membership and a list
// for age; one script so two replicas racing on the same share_id see exactly one "new".
const SEEN_OR_ADD = new RedisScript(
  "edgeDedupSeenOrAdd",
  2,
  `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
redis.call('SADD', KEYS[1], ARGV[1])
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
local excess = n - tonumber(ARGV[2])
while excess > 0 do
  redis.call('SREM', KEYS[1], redis.call('LPOP', KEYS[2]))
  excess = excess - 1
end
return 0`,
);

const FORGET = new RedisScript(
  "edgeDedupForget",
  2,
  `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('LREM', KEYS[2], 1, ARGV[1])
return 1`,
);

/** The replay window shared by every edge replica on the same Redis key prefix. */
export class ShareDedup {
  readonly #keys = ["edge:dedup:set", "edge:dedup:fifo"];

  constructor(
    private readonly redis: Redis,
    private readonly windowSize: number,
  ) {}

  /** Takes a share_id back out of the window: it was never stored, so a resubmission is not a replay. */
  async forget(shareId: string): Promise<void> {
    await FORGET.run(this.redis, this.#keys, [shareId]);
  }

  /** True when share_id was already seen within the window; records it otherwise. */
  async seenBefore(shareId: string): Promise<boolean> {
    const result = await SEEN_OR_ADD.run(this.redis, this.#keys, [shareId, this.windowSize]);
    return result === 1;
  }
}
