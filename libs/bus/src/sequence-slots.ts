/**
 * Values waiting under sequential ids (0, 1, 2, …) in an array indexed by id modulo its capacity:
 * `add` gives the next id, `take` removes by id, and a slot is emptied when its value leaves.
 *
 * Why not a Map: a long-lived JS Map whose entries come and go allocates a new hash table every
 * few insertions, and once its table sits in V8's old generation every new one is allocated there
 * too; each replaced table still points at the entries it held until the next mark-compact, so
 * values that lived milliseconds were kept through young-generation collections and promoted. An
 * array whose slots are cleared holds nothing it no longer owns.
 *
 * The array doubles when a new id's slot is still held by a value added `capacity` ids earlier.
 */
export class SequenceSlots<T> {
  #values: (T | undefined)[];
  #ids: Float64Array;
  #next = 0;
  #size = 0;

  constructor(initialCapacity = 64) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(1, initialCapacity)));
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#ids = new Float64Array(capacity).fill(-1);
  }

  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#values.length;
  }

  /** Stores `value` under the next id and returns the id. */
  add(value: T): number {
    const id = this.#next++;
    while (this.#ids[id % this.#values.length] !== -1) this.#grow();
    const slot = id % this.#values.length;
    this.#values[slot] = value;
    this.#ids[slot] = id;
    this.#size += 1;
    return id;
  }

  /** Removes and returns the value under `id`, or undefined when none is held (taken, or never added). */
  take(id: number): T | undefined {
    if (!Number.isSafeInteger(id) || id < 0) return undefined;
    const slot = id % this.#values.length;
    if (this.#ids[slot] !== id) return undefined;
    const value = this.#values[slot];
    this.#clear(slot);
    return value;
  }

  /** Removes and returns (in slot order) every value `leaves` says so of. */
  takeWhere(leaves: (value: T) => boolean): T[] {
    const out: T[] = [];
    for (let slot = 0; slot < this.#values.length; slot++) {
      if (this.#ids[slot] === -1) continue;
      const value = this.#values[slot] as T;
      if (!leaves(value)) continue;
      this.#clear(slot);
      out.push(value);
    }
    return out;
  }

  #clear(slot: number): void {
    this.#values[slot] = undefined;
    this.#ids[slot] = -1;
    this.#size -= 1;
  }

  /** Doubles the array, re-placing the held values; the old array is emptied so it holds none of them. */
  #grow(): void {
    const values = this.#values;
    const ids = this.#ids;
    const capacity = values.length * 2;
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#ids = new Float64Array(capacity).fill(-1);
    for (let slot = 0; slot < values.length; slot++) {
      const id = ids[slot] as number;
      if (id === -1) continue;
      // Ids in distinct slots differ modulo the old capacity, so they differ modulo its double too.
      this.#values[id % capacity] = values[slot];
      this.#ids[id % capacity] = id;
    }
    values.fill(undefined);
  }
}
