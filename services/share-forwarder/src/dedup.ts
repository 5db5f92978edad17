/**
 * A bounded first-in-first-out set: remembers the last `capacity` keys. The keys in arrival order
 * sit in a ring beside the set, so forgetting the oldest is one slot read (not an iterator over
 * the set, which also walks the slots its earlier deletions left).
 */
class FifoSet<K> {
  readonly #items = new Set<K>();
  readonly #ring: (K | undefined)[];
  #next = 0;

  constructor(readonly capacity: number) {
    this.#ring = new Array(capacity);
  }

  has(key: K): boolean {
    return this.#items.has(key);
  }

  add(key: K): void {
    if (this.capacity === 0 || this.#items.has(key)) return;
    if (this.#items.size === this.capacity) this.#items.delete(this.#ring[this.#next] as K);
    this.#items.add(key);
    this.#ring[this.#next] = key;
    this.#next = (this.#next + 1) % this.capacity;
  }

  get size(): number {
    return this.#items.size;
  }
}

export type DedupVerdict = "new" | "already_recorded" | "replay";

/**
 * The count-based dedup window (`share_dedup_window_size`): the share_ids and event_ids of the
 * last N recorded results. An event_id already recorded is a redelivery (its result exists:
 * nothing to do); a known share_id under a new event_id is the same proof of work published
 * again (share_replay_detected, not forwarded twice).
 */
export class DedupWindow {
  readonly #shares: FifoSet<string>;
  readonly #events: FifoSet<string>;

  constructor(capacity: number) {
    this.#shares = new FifoSet(capacity);
    this.#events = new FifoSet(capacity);
  }

  check(shareId: string, eventId: string): DedupVerdict {
    if (this.#events.has(eventId)) return "already_recorded";
    if (this.#shares.has(shareId)) return "replay";
    return "new";
  }

  remember(shareId: string, eventId: string): void {
    this.#shares.add(shareId);
    this.#events.add(eventId);
  }

  get size(): number {
    return this.#events.size;
  }
}
