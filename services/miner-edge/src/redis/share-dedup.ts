import { type Redis, RedisScript } from "@gatehouse/service";
import { TurnBatch } from "./turn-batch.js";

// Count-based FIFO window (ReserveGrid OS's share_dedup_window_size): a set for membership and a list
// for age; one script so two replicas racing on the same share_id see exactly one "new". It takes
// every share_id asked about in one turn and answers each (1 seen, 0 new) in order, exactly as one
// call per share_id in that order would: a share_id twice in one call is new, then seen.
const SEEN_OR_ADD = new RedisScript(
  "edgeDedupSeenOrAddMany",
  2,
  `
local window = tonumber(ARGV[1])
local seen = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('SISMEMBER', KEYS[1], id) == 1 then
    seen[i - 1] = 1
  else
    redis.call('SADD', KEYS[1], id)
    local excess = redis.call('RPUSH', KEYS[2], id) - window
    while excess > 0 do
      redis.call('SREM', KEYS[1], redis.call('LPOP', KEYS[2]))
      excess = excess - 1
    end
    seen[i - 1] = 0
  end
end
return seen`,
);

const FORGET = new RedisScript(
  "edgeDedupForget",
  2,
  `
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('LREM', KEYS[2], 1, ARGV[1])
return 1`,
);

/** share_ids per script call: bounds the time Redis spends in one script. */
const MAX_IDS_PER_CALL = 256;

/** The replay window shared by every edge replica on the same Redis key prefix. */
export class ShareDedup {
  readonly #keys = ["edge:dedup:set", "edge:dedup:fifo"];
  readonly #batch: TurnBatch<string, boolean>;

  constructor(
    private readonly redis: Redis,
    private readonly windowSize: number,
  ) {
    this.#batch = new TurnBatch((ids) => this.#seenOrAdd(ids), MAX_IDS_PER_CALL);
  }

  /** Takes a share_id back out of the window: it was never stored, so a resubmission is not a replay. */
  async forget(shareId: string): Promise<void> {
    await FORGET.run(this.redis, this.#keys, [shareId]);
  }

  /** True when share_id was already seen within the window; records it otherwise. One script call per turn. */
  seenBefore(shareId: string): Promise<boolean> {
    return this.#batch.ask(shareId);
  }

  async #seenOrAdd(ids: string[]): Promise<boolean[]> {
    const answers = (await SEEN_OR_ADD.run(this.redis, this.#keys, [this.windowSize, ...ids])) as number[];
    return answers.map((seen) => seen === 1);
  }
}
