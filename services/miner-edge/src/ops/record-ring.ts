/**
 * The newest `capacity` byte records (of any length) in one buffer: each push copies its record
 * in, so a full ring holds no object per record for the garbage collector to copy, promote and
 * trace. Records leave only by count (oldest first); when the bytes do not fit, the buffer doubles
 * (never shrinks), so the ring always holds exactly the newest `capacity` records.
 *
 * Each record has a slot (0 ≤ slot < capacity) that stays its own while it is held, so a caller
 * can keep fields beside it in arrays of its own indexed by slot.
 */
export class RecordRing {
  #buffer: Uint8Array;
  readonly #starts: Uint32Array;
  readonly #lengths: Uint32Array;
  /** Slot of the oldest record. */
  #oldest = 0;
  #count = 0;
  /** Where the next record goes: just past the newest one. */
  #end = 0;

  constructor(
    readonly capacity: number,
    initialBytes: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#buffer = new Uint8Array(Math.max(1, initialBytes));
    this.#starts = new Uint32Array(capacity);
    this.#lengths = new Uint32Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Bytes the ring has allocated (grows when records do not fit). */
  get bufferBytes(): number {
    return this.#buffer.length;
  }

  /** Copies `record` in as the newest record, dropping the oldest when full; returns its slot. */
  push(record: Uint8Array): number {
    if (this.#count === this.capacity) {
      this.#oldest = (this.#oldest + 1) % this.capacity;
      this.#count -= 1;
    }
    let at = this.#place(record.length);
    if (at === undefined) {
      this.#grow(record.length);
      at = this.#end;
    }
    const slot = (this.#oldest + this.#count) % this.capacity;
    this.#buffer.set(record, at);
    this.#starts[slot] = at;
    this.#lengths[slot] = record.length;
    this.#end = at + record.length;
    this.#count += 1;
    return slot;
  }

  /** The slot of the record `age` pushes before the newest (0: the newest); age < size. */
  slotOf(age: number): number {
    if (!(age >= 0 && age < this.#count)) throw new RangeError(`age ${age} outside 0..${this.#count - 1}`);
    return (this.#oldest + this.#count - 1 - age) % this.capacity;
  }

  /** A copy of the record in `slot` (later pushes may overwrite the ring's bytes). */
  copy(slot: number): Uint8Array {
    const start = this.#starts[slot] as number;
    return this.#buffer.slice(start, start + (this.#lengths[slot] as number));
  }

  /** Where `length` bytes fit without overwriting a held record, or undefined. */
  #place(length: number): number | undefined {
    if (this.#count === 0) {
      this.#end = 0;
      return length <= this.#buffer.length ? 0 : undefined;
    }
    const oldestStart = this.#starts[this.#oldest] as number;
    if (oldestStart < this.#end) {
      // Held bytes run from the oldest start to the end: free after them, or from 0 before them.
      if (this.#end + length <= this.#buffer.length) return this.#end;
      return length <= oldestStart ? 0 : undefined;
    }
    // Wrapped: the newest records sit before the oldest one; free is the gap between.
    return this.#end + length <= oldestStart ? this.#end : undefined;
  }

  /** Doubles the buffer until the held records and `length` more fit, laying the held ones out from 0. */
  #grow(length: number): void {
    let held = 0;
    for (let i = 0; i < this.#count; i++) held += this.#lengths[(this.#oldest + i) % this.capacity] as number;
    let size = this.#buffer.length * 2;
    while (size < held + length) size *= 2;
    const next = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#oldest + i) % this.capacity;
      const start = this.#starts[slot] as number;
      const len = this.#lengths[slot] as number;
      next.set(this.#buffer.subarray(start, start + len), at);
      this.#starts[slot] = at;
      at += len;
    }
    this.#buffer = next;
    this.#end = at;
  }
}
